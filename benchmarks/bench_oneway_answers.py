"""Report latency of one-way interview answers given back to back (issue 13, item 7).

A real `untact serve` and a real Chromium on this machine: an employer's set of N Korean
questions, a seeker who answers each for ``--seconds`` and goes straight on to the next
question without waiting for reports. Per answer it prints how the server analysed it (live or
whole-file), how long the live analysis took to finish after the answer ended
(``finish_s``), and each live chunk's decode time, from the server's log.

The fake microphone plays ``--audio`` (default: four answers of the real Korean read-speech
corpus joined, resampled to 48 kHz; ``--espeak`` uses espeak-ng's Korean voice instead,
whose odd audio often sends Whisper into loops). Chromium runs on the same 2 cores as the
server here, so the figures are an upper bound for a browser on its own machine.

Usage: .venv/bin/python benchmarks/bench_oneway_answers.py [--answers 3] [--seconds 15] [--espeak]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests import mediakit  # noqa: E402
from tests.kocorpus import CORPUS_DIR  # noqa: E402
from tests.liveserver import start_live_server, stop_live_server  # noqa: E402

KOREAN_TEXT = "저는 데이터 분석 프로젝트를 이끌었습니다. 팀원들과 함께 문제를 정의하고 결과를 발표했습니다."


def _client(base: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    client.get("/login")
    response = client.post("/api/auth/login", json={"email": email, "password": password},
                           headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
    response.raise_for_status()
    return client


def _post(client: httpx.Client, url: str, body: dict) -> dict:
    response = client.post(url, json=body, headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
    response.raise_for_status()
    return response.json()


def _corpus_audio(out: Path) -> Path:
    wavs = sorted(CORPUS_DIR.glob("wav_*.wav"))[:4]
    subprocess.run(["sox", *map(str, wavs), "-r", "48000", "-c", "1", str(out)], check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--espeak", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-oneway-"))
    server = start_live_server(work / "server")
    try:
        base = server.base_url
        employer = _client(base, "employer@demo.untact.kr", "demo-employer-1234")
        email = f"bench-{time.time_ns()}@example.kr"
        with httpx.Client(base_url=base) as anon:
            anon.get("/login")
            anon.post("/api/auth/signup", json={"email": email, "password": "bench-pass-12", "display_name": "벤치",
                      "role": "seeker"}, headers={"X-CSRF-Token": anon.cookies["untact_csrf"]}).raise_for_status()
        qset = _post(employer, "/api/interviews/sets", {"title": "벤치", "language": "ko", "questions": [
            {"text": f"질문 {i + 1}: 경험을 말씀해 주세요.", "think_time_s": 5, "answer_limit_s": 60, "max_retakes": 0}
            for i in range(args.answers)]})
        deadline = (datetime.now() + timedelta(days=2)).replace(microsecond=0).isoformat()
        invitation = _post(employer, "/api/interviews/invitations", {
            "seeker_email": email, "kind": "recorded", "deadline_at": deadline, "question_set_id": qset["id"],
            "title": "벤치"})
        seeker = _client(base, email, "bench-pass-12")
        _post(seeker, f"/api/interviews/invitations/{invitation['id']}/respond", {"action": "accept"})
        video = mediakit.face_video("facing", seconds=6, fps=15, fmt="y4m")
        audio = (mediakit.speech_wav(KOREAN_TEXT, voice="ko", sample_rate=48000).path if args.espeak
                 else _corpus_audio(work / "ko-corpus.wav"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}", f"--use-file-for-fake-audio-capture={audio}",
                "--no-sandbox", "--disable-gpu", "--disable-quic"])
            page = browser.new_page()
            page.goto(base + "/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", "bench-pass-12")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/interviews/{invitation['id']}/answer")
            page.get_by_role("button", name="카메라·마이크 켜기").click()
            page.wait_for_function("() => document.getElementById('connection-status').dataset.state === 'ok'",
                                   timeout=30000)
            page.get_by_role("button", name="다음").click()
            page.locator("#consent-check").check()
            page.locator("#consent-agree").click()
            for i in range(args.answers):
                page.get_by_role("button", name="바로 답변 시작").click()
                page.wait_for_selector("#rec-indicator:not([hidden])", timeout=60000)
                time.sleep(args.seconds)
                page.get_by_role("button", name="답변 마치기").click()
                page.wait_for_function("() => ['analyzing', 'ready', 'delayed'].includes("
                                       "document.getElementById('answer-status').dataset.state)", timeout=60000)
                if i < args.answers - 1:
                    page.get_by_role("button", name="다음 질문").click()
            give_up = time.monotonic() + 600
            while time.monotonic() < give_up:
                answers = seeker.get(f"/api/interviews/invitations/{invitation['id']}").json().get("answers", [])
                if len(answers) == args.answers and all(a["status"] in ("ready", "failed") for a in answers):
                    break
                time.sleep(1)
            browser.close()
    finally:
        stop_live_server(server)
    rows: dict[int, dict] = {}
    for line in (work / "server" / "server.log").read_text().splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("event") == "answer recorded":
            rows.setdefault(event["answer_id"], {})["analysed"] = event["live_analysis"]
        elif event.get("event") == "answer analysed":
            rows.setdefault(event["answer_id"], {}).update(
                finish_s=event["finish_s"], chunk_decode_s=[c[2] for c in event.get("chunks") or []])
    print(json.dumps({"answers": args.answers, "seconds": args.seconds,
                      "audio": "espeak" if args.espeak else "ko-read-speech", "per_answer": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
