#!/usr/bin/env bash
# Benchmark (not a test) of the evaluation Lambda as deployed: the `bootstrap` from
# target/lambda/bootstrap/bootstrap.zip runs under a minimal Lambda Runtime API served
# here on loopback, reading its archive from a moto S3 server on loopback. Prints the
# zip and binary sizes, the cold start (process start -> first poll), and the handler
# time (event handed out -> answer received) of the first and of the following
# evaluations. Usage: bash tests/bench/evaluate.sh [INVOCATIONS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."

INVOCATIONS=${1:-20}
bash tests/tools/install-moto.sh >/dev/null
bash lambdas/evaluate/build.sh >/dev/null 2>&1 || bash lambdas/evaluate/build.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
target/tools/moto/bin/python -c '
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' \
  target/lambda/bootstrap/bootstrap.zip "$WORK"
chmod +x "$WORK/bootstrap"

exec target/tools/moto/bin/python - "$WORK/bootstrap" target/lambda/bootstrap/bootstrap.zip \
  target/tools/moto/bin/moto_server "$INVOCATIONS" <<'PY'
"""Runtime API + moto + one bootstrap process; every wait is bounded."""
import io, json, os, queue, socket, statistics, subprocess, sys, tarfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

bootstrap, zip_path, moto_server, invocations = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_listening(port, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on {port} within {timeout} s")

# S3: a bucket with one output.tar.gz holding AutoGluon-like binary scores.
moto_port = free_port()
moto = subprocess.Popen([moto_server, "-H", "127.0.0.1", "-p", str(moto_port)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
children = [moto]
try:
    wait_listening(moto_port, "moto_server")
    endpoint = f"http://127.0.0.1:{moto_port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="bench")
    scores = json.dumps({"accuracy": 0.8695652173913043, "balanced_accuracy": 0.8547008547008547,
                         "mcc": 0.7180436592126036, "roc_auc": 0.9241452991452992,
                         "f1": 0.8275862068965517, "precision": 0.8571428571428571,
                         "recall": 0.8}).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("scores.json")
        info.size = len(scores)
        tar.addfile(info, io.BytesIO(scores))
    s3.put_object(Bucket="bench", Key="job/output/output.tar.gz", Body=buf.getvalue())

    ok_event = {"ModelPath": "s3://bench/job/output/model.tar.gz", "EvalThreshold": "0.8",
                "EvalMetric": "accuracy"}
    events = queue.Queue()
    for i in range(invocations):
        events.put((f"req-{i}", ok_event))
    events.put(("req-error", dict(ok_event, EvalMetric="rmse")))
    results = queue.Queue()
    handed_out = {}
    first_poll = []

    class RuntimeApi(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # /2018-06-01/runtime/invocation/next
            if not first_poll:
                first_poll.append(time.monotonic())
            try:
                request_id, event = events.get(timeout=30)
            except queue.Empty:
                self.send_error(503)
                return
            body = json.dumps(event).encode()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                             "arn:aws:lambda:us-east-1:123456789012:function:evaluate")
            self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            handed_out[request_id] = time.monotonic()
            self.wfile.write(body)

        def do_POST(self):  # .../invocation/<id>/response | /error
            done = time.monotonic()
            parts = self.path.split("/")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if len(parts) >= 6:
                request_id, outcome = parts[4], parts[5]
                results.put((request_id, outcome, done - handed_out.get(request_id, done), body))

    api = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.server_address[1]}",
               AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true",
               AWS_LAMBDA_FUNCTION_NAME="evaluate", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_LOG_GROUP_NAME="bench",
               AWS_LAMBDA_LOG_STREAM_NAME="bench", AWS_LAMBDA_LOG_LEVEL="ERROR")
    started = time.monotonic()
    lam = subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    children.append(lam)

    timings, error_body = [], None
    for _ in range(invocations + 1):
        try:
            request_id, outcome, seconds, body = results.get(timeout=60)
        except queue.Empty:
            lam.kill()
            sys.exit("no answer within 60 s; bootstrap stderr:\n" + lam.stderr.read().decode())
        if request_id == "req-error":
            error_body = json.loads(body)
        elif outcome != "response":
            sys.exit(f"{request_id} failed: {body.decode()}")
        else:
            timings.append(seconds)
    api.shutdown()

    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"zip:        {zip_path} {os.path.getsize(zip_path):,} bytes")
    print(f"bootstrap:  {os.path.getsize(bootstrap):,} bytes unpacked")
    print(f"cold start: {ms(first_poll[0] - started)} (process start -> first poll for work)")
    print(f"handler:    first {ms(timings[0])}; next {len(timings) - 1}: median "
          f"{ms(statistics.median(timings[1:]))}, max {ms(max(timings[1:]))}"
          if len(timings) > 1 else f"handler:    {ms(timings[0])}")
    print(f"error:      {error_body.get('errorType')}: {error_body.get('errorMessage')}")
finally:
    for child in reversed(children):
        child.kill()
        child.wait()
PY
