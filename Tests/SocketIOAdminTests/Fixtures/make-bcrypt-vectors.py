"""Known-answer vectors for our bcrypt (Sources/SocketIOAdmin/Bcrypt.swift), made by python's
`bcrypt` package. Each line: the password's UTF-8 bytes in hex, a tab, the hash. Passwords over
72 bytes are hashed by their first 72 bytes (bcrypt 5 refuses longer ones; every bcrypt ignores
the rest), so the line checks that we truncate.

Run: /work/main/.venv/bin/python Tests/SocketIOAdminTests/Fixtures/make-bcrypt-vectors.py > Tests/SocketIOAdminTests/Fixtures/bcrypt-vectors.txt
"""
import bcrypt

cases = [
    (b"", 4, b"2b"),
    (b"a", 4, b"2b"),
    (b"changeit", 4, b"2a"),
    (b"changeit", 5, b"2b"),
    (b"password", 6, b"2b"),
    (b"hunter2", 7, b"2a"),
    (b"correct horse battery staple", 8, b"2b"),
    ("pässwörd ✓ 密码 🔐".encode(), 5, b"2b"),
    (b"x" * 71, 4, b"2b"),
    (b"x" * 72, 4, b"2b"),
    (b"y" * 73, 4, b"2b"),
    (b"0123456789" * 20, 5, b"2a"),
    ("é".encode() * 40, 4, b"2b"),           # 80 bytes; the 72-byte cut falls between whole characters
    (b"\x01\x02 tab\tand\nnewline", 4, b"2b"),
]
for password, cost, prefix in cases:
    hashed = bcrypt.hashpw(password[:72], bcrypt.gensalt(rounds=cost, prefix=prefix)).decode()
    print(f"{password.hex()}\t{hashed}")
    if prefix == b"2b" and cost == 4 and password == b"a":
        print(f"{password.hex()}\t$2y${hashed[4:]}")   # PHP's $2y$: the same function
