"""configd's runner for Lambda-style Config rules written in Python.

configd runs it as: python3 -c <this file> RULE_FILE HANDLER
It reads the event AWS Config would send from stdin, loads RULE_FILE as a
module and calls HANDLER(event, context) as AWS Lambda's Python runtime does,
so an existing rule (lambda_handler(event, context) calling boto3's
put_evaluations) runs unchanged. The handler's return value is written to
stdout as JSON.
"""
import importlib.util
import json
import os
import sys
import time
import uuid


class LambdaContext:
    """The subset of AWS Lambda's context object that rules use."""

    def __init__(self):
        arn = os.environ.get("CONFIGD_FUNCTION_ARN", "")
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", arn.rsplit(":", 1)[-1])
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = "/aws/lambda/" + self.function_name
        self.log_stream_name = time.strftime("%Y/%m/%d") + "/[$LATEST]" + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(os.environ.get("CONFIGD_DEADLINE_MS", "0"))

    def get_remaining_time_in_millis(self):
        if not self._deadline_ms:
            return 900000
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main():
    path, handler_name = sys.argv[1], sys.argv[2]
    event = json.load(sys.stdin)
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    handler = getattr(module, handler_name)
    result = handler(event, LambdaContext())
    json.dump(result, sys.stdout, default=str)


main()
