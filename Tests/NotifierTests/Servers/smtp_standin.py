#!/usr/bin/env python3
"""A loopback SMTP server (aiosmtpd, Debian python3-aiosmtpd) that receives real mails
for the notifier tests.

Modes: --tls starttls (offers STARTTLS with --cert/--key), --tls smtps (TLS from the
first byte), --tls none. --auth user:password requires AUTH (after TLS unless smtps).
Failure injection: --fail-rcpt (550 for every recipient), --fail-data-temp (451 after
DATA). Every accepted mail is written to --record-dir as <n>.eml with <n>.json beside it
(envelope, whether TLS was in use, the authenticated login). Prints "PORT <n>" once it
listens on 127.0.0.1.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, directory, fail_rcpt, fail_data_temp):
        self.directory = directory
        self.fail_rcpt = fail_rcpt
        self.fail_data_temp = fail_data_temp
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fail_rcpt:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_data_temp:
            return "451 4.3.0 Mail server temporarily rejected message"
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        tls = server._tls_protocol is not None or server.transport.get_extra_info("ssl_object") is not None
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "tls": tls, "login": login}
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")  # the test polls for .eml
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record-dir", required=True)
    parser.add_argument("--tls", choices=["none", "starttls", "smtps"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth")
    parser.add_argument("--fail-rcpt", action="store_true")
    parser.add_argument("--fail-data-temp", action="store_true")
    args = parser.parse_args()

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password
            # handled=False makes aiosmtpd answer 535 itself on failure.
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    handler = Recorder(args.record_dir, args.fail_rcpt, args.fail_data_temp)

    def factory():
        return SMTP(handler, hostname="standin.test",
                    tls_context=context if args.tls == "starttls" else None,
                    require_starttls=args.tls == "starttls",
                    authenticator=authenticator, auth_required=bool(args.auth),
                    auth_require_tls=args.tls == "starttls",
                    enable_SMTPUTF8=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, "127.0.0.1", 0, ssl=context if args.tls == "smtps" else None))
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
