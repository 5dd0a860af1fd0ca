"""The command lines the local runner drives: `serve` (HTTP) and `transform` (batch)."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from conftest import PYTHON, SERVE_SCRIPT, json_records


def csv_lines(frame) -> str:
    return frame.to_csv(header=False, index=False)


class Server:
    def __init__(self, model_dir, script=SERVE_SCRIPT):
        self.proc = subprocess.Popen(
            [PYTHON, str(script), "serve", "--model-dir", str(model_dir), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.stderr: list[str] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        line = self._readline(timeout=120)
        assert line.startswith("listening on http://127.0.0.1:"), (line, "".join(self.stderr)[-3000:])
        self.url = line.strip()[len("listening on "):]

    def _readline(self, timeout: float) -> str:
        result = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result:
            self.proc.kill()
            pytest.fail("server did not print its listening line in time: " + "".join(self.stderr)[-3000:])
        return result[0]

    def request(self, method, path, body=None, headers=None):
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.headers.get("Content-Type"), resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type"), err.read().decode()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture(scope="module")
def server(trained):
    """The serving script copied into the model dir, started as the local runner starts it."""
    run = trained("mixed")
    srv = Server(run.model_dir, script=run.model_dir / "code" / "tabular_serve.py")
    yield run, srv
    srv.stop()


def test_ping(server):
    _, srv = server
    assert srv.request("GET", "/ping")[0] == 200


def test_invocations_csv_and_json(server, serve_module, loaded):
    run, srv = server
    _, model = loaded("mixed")
    body = csv_lines(run.features).encode()
    status, content_type, text = srv.request("POST", "/invocations", body,
                                             {"Content-Type": "text/csv", "Accept": "text/csv"})
    assert status == 200 and content_type == "text/csv"
    assert text == serve_module.transform_fn(model, body, "text/csv", "text/csv")[0]
    assert len(text.split("\n")) == len(run.features)

    records = json_records(run.features.head(3))
    status, content_type, text = srv.request("POST", "/invocations", json.dumps({"instances": records}).encode(),
                                             {"Content-Type": "application/json"})
    assert status == 200 and content_type == "application/json"
    doc = json.loads(text)
    assert len(doc["predictions"]) == 3 and len(doc["probabilities"]) == 3


@pytest.mark.parametrize(
    "method, path, body, headers, status",
    [
        ("POST", "/invocations", b"Dream,1,2\n", {"Content-Type": "text/csv"}, 400),
        ("POST", "/invocations", b"", {"Content-Type": "text/csv"}, 400),
        ("POST", "/invocations", b"{", {"Content-Type": "application/json"}, 400),
        ("POST", "/invocations", b"x", {"Content-Type": "application/octet-stream"}, 415),
        ("POST", "/invocations", b"x", {"Content-Type": "text/csv", "Accept": "image/png"}, 406),
        ("GET", "/invocations", None, {}, 405),
        ("GET", "/nope", None, {}, 404),
        # Hostile bodies: deep nesting (RecursionError) and a 5000-digit integer (Python's
        # int-string limit) are the client's fault, not the server's.
        ("POST", "/invocations", b"[" * 100000 + b"]" * 100000, {"Content-Type": "application/json"}, 400),
        ("POST", "/invocations", b'{"instances": [[' + b"9" * 5000 + b"]]}", {"Content-Type": "application/json"}, 400),
    ],
)
def test_errors_are_4xx_with_a_json_body(server, method, path, body, headers, status):
    _, srv = server
    got, content_type, text = srv.request(method, path, body, headers)
    assert got == status
    assert content_type == "application/json"
    assert json.loads(text)["error"]


def test_server_survives_errors_and_stops_on_sigterm(trained):
    run = trained("regression")
    srv = Server(run.model_dir)
    try:
        assert srv.request("POST", "/invocations", b"1,2\n", {"Content-Type": "text/csv"})[0] == 400
        status, _, text = srv.request("POST", "/invocations", csv_lines(run.features.head(2)).encode(),
                                      {"Content-Type": "text/csv", "Accept": "application/json"})
        assert status == 200 and len(json.loads(text)["predictions"]) == 2
    finally:
        assert srv.stop() == 0


def test_serve_with_a_missing_model_dir(tmp_path):
    proc = subprocess.run([PYTHON, str(SERVE_SCRIPT), "serve", "--model-dir", str(tmp_path / "none"),
                           "--port", "0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1].startswith("error: model directory")


# --------------------------------------------------------------------------- transform


def transform(model_dir, input_path, output_path, *extra):
    return subprocess.run([PYTHON, str(SERVE_SCRIPT), "transform", "--model-dir", str(model_dir),
                           "--input", str(input_path), "--output", str(output_path), *extra],
                          capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("name", ["binary", "mixed"])
def test_transform_csv_to_csv_line_per_line(trained, loaded, serve_module, tmp_path, name):
    run, model = loaded(name)
    source = tmp_path / "batch.csv"
    source.write_text(csv_lines(run.features))
    proc = transform(run.model_dir, source, tmp_path / "batch.csv.out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = (tmp_path / "batch.csv.out").read_text()
    assert out.endswith("\n") and out.count("\n") == len(run.features)
    expected = serve_module.transform_fn(model, source.read_bytes(), "text/csv", "text/csv")[0]
    assert out == expected + "\n"


def test_transform_with_json_output_is_one_document_per_line(loaded, serve_module, tmp_path):
    run, model = loaded("multiclass")
    features = run.features.head(6)
    source = tmp_path / "in.csv"
    source.write_text(csv_lines(features))
    proc = transform(run.model_dir, source, tmp_path / "out.json", "--accept", "application/json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    docs = [json.loads(line) for line in (tmp_path / "out.json").read_text().splitlines()]
    assert len(docs) == 6
    whole = json.loads(serve_module.transform_fn(model, source.read_bytes(), "text/csv", "application/json")[0])
    assert [d["predictions"][0] for d in docs] == whole["predictions"]
    assert [d["probabilities"][0] for d in docs] == whole["probabilities"]


def test_transform_jsonlines(loaded, tmp_path):
    run, model = loaded("regression")
    records = json_records(run.features.head(5))
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    proc = transform(run.model_dir, source, tmp_path / "out.jsonl", "--content-type", "application/jsonlines",
                     "--accept", "application/jsonlines")
    assert proc.returncode == 0, proc.stderr[-3000:]
    docs = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(docs) == 5 and all(set(d) == {"prediction"} for d in docs)


def test_transform_rejects_a_bad_line(loaded, tmp_path):
    run, _ = loaded("binary")
    lines = csv_lines(run.features.head(4)).splitlines()
    lines[2] = lines[2] + ",1"
    source = tmp_path / "bad.csv"
    source.write_text("\n".join(lines) + "\n")
    proc = transform(run.model_dir, source, tmp_path / "bad.csv.out")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: row 3 has 31 columns, expected 30")
    assert not (tmp_path / "bad.csv.out").exists()



def _raw(url: str, request: bytes) -> bytes:
    import socket
    host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_bad_lengths_are_refused_without_reading_a_body(server):
    _, srv = server
    # A negative length used to hang the handler in rfile.read(-1).
    reply = _raw(srv.url, b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: -1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    # Above SageMaker's 6 MB real-time limit: refused from the header alone.
    reply = _raw(srv.url, b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 6291457\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_the_server_queues_connections_and_drops_idle_ones(serve_module, loaded):
    _, model = loaded("mixed")
    srv = serve_module.make_server(model, "127.0.0.1", 0)
    try:
        assert srv.request_queue_size >= 128
        assert srv.RequestHandlerClass.timeout == serve_module.CONNECTION_TIMEOUT_SECONDS
        assert serve_module.MAX_BODY_BYTES == 6291456
    finally:
        srv.server_close()
