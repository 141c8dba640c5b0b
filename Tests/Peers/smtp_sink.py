"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts: in a Maildir
and as a JSON line parsed by Python's `email` package (an implementation independent of ours).
The tests' mail server, and `make dev`'s mail sink.

Usage: python smtp_sink.py DIRECTORY [PORT [USER PASSWORD]]
Binds 127.0.0.1 on PORT (0 or none: a free one) and writes the port to DIRECTORY/port.
DIRECTORY/messages.jsonl gets one line per accepted message: {"mail_from", "rcpt_tos",
"from", "to", "subject", "message_id", "date", "parts": [{"type", "charset", "body"}],
"raw_lines_over_998": bool}. DIRECTORY/Maildir holds the messages themselves.
DIRECTORY/control.json, when present, is read for each message: {"fail": N, "code": 451} makes
the next N messages fail at the end of their data with that code.
With USER and PASSWORD given, AUTH (PLAIN or LOGIN) is required (without TLS: tests only).
DIRECTORY/options.json, when present at start: {"tls": "starttls" | "implicit", "cert": PEM path,
"key": PEM path} serves STARTTLS (and requires it before MAIL) or TLS from the first byte;
{"pipelining": false} stops advertising PIPELINING (advertised by default, as real servers do).
"""

import asyncio
import json
import mailbox
import os
import ssl
import sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    def __init__(self, directory, pipelining=True):
        self.directory = directory
        self.pipelining = pipelining
        self.maildir = mailbox.Maildir(os.path.join(directory, "Maildir"), create=True)

    def control(self):
        path = os.path.join(self.directory, "control.json")
        try:
            with open(path) as handle:
                return json.load(handle), path
        except (OSError, ValueError):
            return {}, path

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtpd reads pipelined commands in order; it only does not say so.
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        control, path = self.control()
        if control.get("fail", 0) > 0:
            control["fail"] -= 1
            with open(path, "w") as handle:
                json.dump(control, handle)
            return f"{control.get('code', 451)} 4.3.0 try again later (scripted)"
        raw = envelope.original_content or envelope.content
        # compat32 parses lazily (policy.default builds every header object, five times the
        # cost): the few headers read are decoded (RFC 2047) here, the parts by their charset.
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            charset = part.get_content_charset()
            body = part.get_payload(decode=True).decode(charset or "ascii", errors="replace")
            parts.append({"type": part.get_content_type(), "charset": charset, "body": body})
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": decoded(message["From"]),
            "to": decoded(message["To"]),
            "subject": decoded(message["Subject"]),
            "message_id": decoded(message["Message-ID"]),
            "date": decoded(message["Date"]),
            "content_type": message.get_content_type(),
            "parts": parts,
            "raw_lines_over_998": any(len(line) > 998 for line in raw.split(b"\r\n")),
        }
        self.maildir.add(raw)
        with open(os.path.join(self.directory, "messages.jsonl"), "a") as handle:
            handle.write(json.dumps(summary) + "\n")
        return "250 2.0.0 OK: queued"


def decoded(value):
    """A header's text with its RFC 2047 encoded words decoded (None when it is missing)."""
    if value is None:
        return "None"
    return str(make_header(decode_header(str(value))))


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return check


async def main():
    directory = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.makedirs(directory, exist_ok=True)
    try:
        with open(os.path.join(directory, "options.json")) as handle:
            settings = json.load(handle)
    except OSError:
        settings = {}
    sink = Sink(directory, pipelining=settings.get("pipelining", True))
    user, password = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
    options = {}
    if user and password:
        options = {"authenticator": authenticator(user, password), "auth_required": True, "auth_require_tls": False}
    tls, listening = None, None
    if settings.get("tls"):
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(settings["cert"], settings["key"])
        if settings["tls"] == "starttls":
            options.update(tls_context=tls, require_starttls=True)
        else:
            listening = tls
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.local", **options), "127.0.0.1", port, ssl=listening
    )
    bound = server.sockets[0].getsockname()[1]
    with open(os.path.join(directory, "port.tmp"), "w") as handle:
        handle.write(str(bound))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
