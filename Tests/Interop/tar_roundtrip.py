"""Python's own tarfile on the other side of OpsLake's tar reader and writer.

    python tar_roundtrip.py read ARCHIVE
        Reads ARCHIVE with tarfile (names strictly UTF-8) and prints one JSON list:
        every member's name, type, size, mode, mtime and the SHA-256 of its bytes.

    python tar_roundtrip.py write FORMAT SPEC ARCHIVE
        Writes ARCHIVE with tarfile in FORMAT (ustar, gnu or pax) from SPEC, a JSON
        list of {"name", "kind": "file" | "dir", "source": path of the bytes, "mtime"}.
        An mtime that is not a whole number is kept as such (pax then records it).
"""
import hashlib
import io
import json
import sys
import tarfile

FORMATS = {"ustar": tarfile.USTAR_FORMAT, "gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT}


def kind(member):
    if member.isfile():
        return "file"
    if member.isdir():
        return "dir"
    return "type " + member.type.decode("ascii", "replace")


def read(archive):
    members = []
    with tarfile.open(archive, "r:", encoding="utf-8", errors="strict") as t:
        for m in t:
            data = t.extractfile(m).read() if m.isfile() else b""
            members.append({
                "name": m.name, "type": kind(m), "size": m.size, "mode": m.mode, "mtime": m.mtime,
                "sha256": hashlib.sha256(data).hexdigest(), "read": len(data),
            })
    print(json.dumps(members, ensure_ascii=False))


def write(fmt, spec, archive):
    with open(spec, encoding="utf-8") as f:
        entries = json.load(f)
    with tarfile.open(archive, "w", format=FORMATS[fmt], encoding="utf-8", errors="strict") as t:
        for e in entries:
            info = tarfile.TarInfo(e["name"])
            info.mode = 0o755 if e["kind"] == "dir" else 0o644
            info.mtime = e["mtime"]
            info.uname = info.gname = "opslake"
            if e["kind"] == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            else:
                with open(e["source"], "rb") as f:
                    data = f.read()
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2])
    elif sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
