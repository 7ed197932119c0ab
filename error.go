package configd

import (
	"errors"
	"fmt"
)

// Error codes returned to clients. Each constant equals the AWS exception
// name that AWS Config puts in the "__type" member of an error body.
const (
	ErrValidation                         = "ValidationException"
	ErrSerialization                      = "SerializationException"
	ErrUnknownOperation                   = "UnknownOperationException"
	ErrInternalFailure                    = "InternalFailure"
	ErrServiceUnavailable                 = "ServiceUnavailable"
	ErrThrottling                         = "ThrottlingException"
	ErrNotImplemented                     = "NotImplementedException"
	ErrInvalidParameterValue              = "InvalidParameterValueException"
	ErrInvalidNextToken                   = "InvalidNextTokenException"
	ErrInvalidLimit                       = "InvalidLimitException"
	ErrInvalidTimeRange                   = "InvalidTimeRangeException"
	ErrLimitExceeded                      = "LimitExceededException"
	ErrResourceInUse                      = "ResourceInUseException"
	ErrResourceNotFound                   = "ResourceNotFoundException"
	ErrResourceNotDiscovered              = "ResourceNotDiscoveredException"
	ErrResourceConcurrentModification     = "ResourceConcurrentModificationException"
	ErrTooManyTags                        = "TooManyTagsException"
	ErrConflict                           = "ConflictException"
	ErrNoSuchConfigurationRecorder        = "NoSuchConfigurationRecorderException"
	ErrInvalidConfigurationRecorderName   = "InvalidConfigurationRecorderNameException"
	ErrInvalidRecordingGroup              = "InvalidRecordingGroupException"
	ErrInvalidRole                        = "InvalidRoleException"
	ErrMaxNumberOfConfigurationRecorders  = "MaxNumberOfConfigurationRecordersExceededException"
	ErrUnmodifiableEntity                 = "UnmodifiableEntityException"
	ErrNoAvailableDeliveryChannel         = "NoAvailableDeliveryChannelException"
	ErrNoSuchDeliveryChannel              = "NoSuchDeliveryChannelException"
	ErrInvalidDeliveryChannelName         = "InvalidDeliveryChannelNameException"
	ErrMaxNumberOfDeliveryChannels        = "MaxNumberOfDeliveryChannelsExceededException"
	ErrNoSuchBucket                       = "NoSuchBucketException"
	ErrInvalidS3KeyPrefix                 = "InvalidS3KeyPrefixException"
	ErrInvalidS3KmsKeyArn                 = "InvalidS3KmsKeyArnException"
	ErrInvalidSNSTopicARN                 = "InvalidSNSTopicARNException"
	ErrInsufficientDeliveryPolicy         = "InsufficientDeliveryPolicyException"
	ErrLastDeliveryChannelDeleteFailed    = "LastDeliveryChannelDeleteFailedException"
	ErrNoRunningConfigurationRecorder     = "NoRunningConfigurationRecorderException"
	ErrNoAvailableConfigurationRecorder   = "NoAvailableConfigurationRecorderException"
	ErrNoSuchRetentionConfiguration       = "NoSuchRetentionConfigurationException"
	ErrMaxNumberOfRetentionConfigurations = "MaxNumberOfRetentionConfigurationsExceededException"
	ErrNoSuchConfigRule                   = "NoSuchConfigRuleException"
	ErrMaxNumberOfConfigRules             = "MaxNumberOfConfigRulesExceededException"
	ErrInsufficientPermissions            = "InsufficientPermissionsException"
	ErrInvalidResultToken                 = "InvalidResultTokenException"
	ErrNoSuchRemediationConfiguration     = "NoSuchRemediationConfigurationException"
	ErrRemediationInProgress              = "RemediationInProgressException"
	ErrNoSuchRemediationException         = "NoSuchRemediationExceptionException"
	ErrIdempotentParameterMismatch        = "IdempotentParameterMismatch"
	ErrMissingAuthenticationToken         = "MissingAuthenticationTokenException"
	ErrIncompleteSignature                = "IncompleteSignatureException"
	ErrUnrecognizedClient                 = "UnrecognizedClientException"
	ErrInvalidSignature                   = "InvalidSignatureException"
	ErrAccessDenied                       = "AccessDeniedException"
	ErrRequestEntityTooLarge              = "RequestEntityTooLargeException"
)

// Error is the application error of configd. Code is the AWS exception name
// sent to the client; Message is the client-facing text. Cause, if set, is
// logged by the server but never sent to the client.
type Error struct {
	Code    string
	Message string
	Cause   error
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// ErrorCode returns the AWS error code of err: the Code of the first *Error
// in its chain, or ErrInternalFailure for any other non-nil error, or "" for
// nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternalFailure
}

// ErrorMessage returns the client-facing message of err. Errors that are not
// an *Error are internal and reveal nothing of their cause.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// IsCode reports whether err carries the AWS error code.
func IsCode(err error, code string) bool { return err != nil && ErrorCode(err) == code }
