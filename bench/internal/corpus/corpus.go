// Package corpus generates the configuration items the benchmarks store and
// read: one custom resource type, numbered resources, and deterministic
// configurations of about 1.7 KB that look like a server's (network
// interfaces, block devices, security groups, metadata options). The seed
// tool and the load generator share it so that the load generator can read
// what the seed tool wrote.
package corpus

import (
	"strconv"
)

// ResourceType is the third-party resource type every benchmark item has.
// PutResourceConfig accepts it (it is not one of AWS's reserved prefixes).
const ResourceType = "ConfigdBench::Fleet::Server"

// SchemaVersionID is the schema version the items are put with.
const SchemaVersionID = "1"

// ResourceID returns the id of resource n.
func ResourceID(n int) string { return "srv-" + pad8(n) }

// ResourceName returns the name of resource n.
func ResourceName(n int) string { return "server-" + pad8(n) }

// NewResourceID returns the id of the n-th resource a load run creates; run
// keeps the ids of different runs apart from each other and from the ids of
// ResourceID.
func NewResourceID(run string, n int) string { return "new-" + run + "-" + pad8(n) }

// Tags returns the tags of resource n.
func Tags(n int) map[string]string {
	return map[string]string{
		"team":        teams[n%len(teams)],
		"environment": envs[n%len(envs)],
		"cost-center": "cc-" + strconv.Itoa(1000+n%97),
	}
}

var (
	teams  = []string{"payments", "search", "identity", "storage", "edge", "analytics", "platform"}
	envs   = []string{"production", "staging", "development"}
	types  = []string{"m6i.large", "m6i.xlarge", "c6g.2xlarge", "r6i.large", "t3.medium"}
	zones  = []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"}
	images = []string{"ami-0a1b2c3d4e5f60718", "ami-0f9e8d7c6b5a49382", "ami-01234567890abcdef"}
)

// Configuration returns the configuration (JSON text) of version v of
// resource n. Different versions of a resource differ; the same (n, v)
// always gives the same bytes.
func Configuration(n, v int) []byte {
	return AppendConfiguration(make([]byte, 0, 1800), n, v)
}

// AppendConfiguration appends Configuration(n, v) to b.
func AppendConfiguration(b []byte, n, v int) []byte {
	h := mix(uint64(n)<<20 ^ uint64(v))
	b = append(b, `{"instanceId":"`...)
	b = append(b, ResourceID(n)...)
	b = append(b, `","revision":`...)
	b = strconv.AppendInt(b, int64(v), 10)
	b = append(b, `,"instanceType":"`...)
	b = append(b, types[(n+v)%len(types)]...)
	b = append(b, `","imageId":"`...)
	b = append(b, images[n%len(images)]...)
	b = append(b, `","state":{"code":16,"name":"running"},"placement":{"availabilityZone":"`...)
	b = append(b, zones[n%len(zones)]...)
	b = append(b, `","tenancy":"default","groupName":""},"privateDnsName":"ip-10-`...)
	b = strconv.AppendInt(b, int64(n>>16&255), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(n>>8&255), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(n&255), 10)
	b = append(b, `.ec2.internal","monitoring":{"state":"`...)
	if v%2 == 0 {
		b = append(b, "enabled"...)
	} else {
		b = append(b, "disabled"...)
	}
	b = append(b, `"},"launchTime":"2024-0`...)
	b = strconv.AppendInt(b, int64(1+n%9), 10)
	b = append(b, `-1`...)
	b = strconv.AppendInt(b, int64(n%9), 10)
	b = append(b, `T08:15:27.000Z","networkInterfaces":[`...)
	for i := range 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"networkInterfaceId":"eni-`...)
		b = appendHex(b, h+uint64(i), 17)
		b = append(b, `","subnetId":"subnet-`...)
		b = appendHex(b, h>>3+uint64(i), 17)
		b = append(b, `","vpcId":"vpc-0f3e2d1c0b9a87654","privateIpAddress":"10.`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(n>>8&255), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(n&255), 10)
		b = append(b, `","sourceDestCheck":true,"status":"in-use","attachment":{"deviceIndex":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"deleteOnTermination":true,"status":"attached"}}`...)
	}
	b = append(b, `],"blockDeviceMappings":[`...)
	for i, dev := range []string{"/dev/xvda", "/dev/xvdb"} {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"deviceName":"`...)
		b = append(b, dev...)
		b = append(b, `","ebs":{"volumeId":"vol-`...)
		b = appendHex(b, h>>7+uint64(i), 17)
		b = append(b, `","status":"attached","deleteOnTermination":`...)
		b = strconv.AppendBool(b, i == 0)
		b = append(b, `,"volumeSize":`...)
		b = strconv.AppendInt(b, int64(8<<i+v%4), 10)
		b = append(b, `}}`...)
	}
	b = append(b, `],"securityGroups":[`...)
	for i := range 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"groupId":"sg-`...)
		b = appendHex(b, h>>11+uint64(i), 17)
		b = append(b, `","groupName":"`...)
		b = append(b, teams[(n+i)%len(teams)]...)
		b = append(b, `-tier-`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `"}`...)
	}
	b = append(b, `],"metadataOptions":{"httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled","instanceMetadataTags":"disabled"},`...)
	b = append(b, `"iamInstanceProfile":{"arn":"arn:aws:iam::123456789012:instance-profile/`...)
	b = append(b, teams[n%len(teams)]...)
	b = append(b, `-server","id":"AIPA`...)
	b = appendHex(b, h>>13, 16)
	b = append(b, `"},"ebsOptimized":true,"enaSupport":true,"hypervisor":"nitro","architecture":"x86_64",`...)
	b = append(b, `"cpuOptions":{"coreCount":`...)
	b = strconv.AppendInt(b, int64(1<<(n%3)), 10)
	b = append(b, `,"threadsPerCore":2},`...)
	b = append(b, `"userDataHash":"`...)
	b = appendHex(b, h*0x9e3779b97f4a7c15, 16)
	b = appendHex(b, h^0xdeadbeefcafef00d, 16)
	b = append(b, `"}`...)
	return b
}

// mix is SplitMix64's finalizer: a cheap, well-spread hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// appendHex appends the low 4*digits bits of x as lowercase hex, zero padded
// (digits > 16 repeats the pattern, for long AWS-style ids).
func appendHex(b []byte, x uint64, digits int) []byte {
	const hex = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hex[(x>>(4*(i%16)))&15])
	}
	return b
}

func pad8(n int) string {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(n), 10)
	if len(s) >= 8 {
		return string(s)
	}
	out := make([]byte, 8)
	p := 8 - len(s)
	for i := range p {
		out[i] = '0'
	}
	copy(out[p:], s)
	return string(out)
}
