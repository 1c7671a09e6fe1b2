"""Makes hostile variants of a good OpsLake bundle, one tar file per case.

    python hostile_bundles.py GOOD.tar OUTDIR

Each case breaks one rule a receiver must enforce; where it matters, the bag's
manifests are rewritten to match, so that only the rule under test can catch it.
Prints the case names it wrote.
"""
import hashlib
import io
import json
import os
import sys
import tarfile

import zstandard

good, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

with tarfile.open(good) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
bag = members[0][0].name.split("/")[0]
payload = [(m, d) for m, d in members if "/data/" in m.name]
victim_member, victim_data = payload[0]
victim = victim_member.name[len(bag) + 1:]  # data/...


def entry(name, data=b"", kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = linkname
    info.mode = 0o644
    return info, (data if kind == tarfile.REGTYPE else None)


def write(case, entries):
    path = os.path.join(out, case + ".tar")
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    print(case)


def original():
    return [(m, d) for m, d in members]


def rewrite_manifests(entries, changes):
    """Replaces payload files (relative name -> bytes) and fixes every manifest to match."""
    files = {m.name[len(bag) + 1:]: d for m, d in entries if m.isfile()}
    files.update(changes)
    data = {k: v for k, v in files.items() if k.startswith("data/")}
    manifest = json.loads(files["opslake-manifest.json"])
    for p in manifest["partitions"]:
        for f in p["files"]:
            key = "data/" + f["path"]
            if key in changes:
                f["sha256"] = hashlib.sha256(changes[key]).hexdigest()
                f["bytes"] = len(changes[key])
    files["opslake-manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    files["manifest-sha256.txt"] = "".join(
        f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in sorted(data.items())).encode()
    info = [l for l in files["bag-info.txt"].decode().splitlines() if not l.startswith("Payload-Oxum:")]
    info.append(f"Payload-Oxum: {sum(len(v) for v in data.values())}.{len(data)}")
    files["bag-info.txt"] = ("\n".join(info) + "\n").encode()
    tags = ["bagit.txt", "bag-info.txt", "opslake-manifest.json", "manifest-sha256.txt"]
    files["tagmanifest-sha256.txt"] = "".join(f"{hashlib.sha256(files[t]).hexdigest()}  {t}\n" for t in tags).encode()
    order = ["bagit.txt", "bag-info.txt", "opslake-manifest.json", "manifest-sha256.txt", "tagmanifest-sha256.txt"]
    names = order + sorted(k for k in files if k not in order)
    return [entry(f"{bag}/{k}", files[k]) for k in names]


def renamed(new):
    """The bundle with petshop.orders renamed to `new` everywhere: payload paths and every manifest."""
    schema, table = new.split(".")
    entries = []
    for m, d in original():
        info = tarfile.TarInfo(m.name.replace("/data/petshop/orders/", f"/data/{schema}/{table}/"))
        info.type, info.size, info.mode = m.type, m.size, m.mode
        if m.name.endswith("/opslake-manifest.json"):
            manifest = json.loads(d)
            for ds in manifest["datasets"]:
                if ds["name"] == "petshop.orders":
                    ds["name"] = new
            for p in manifest["partitions"]:
                if p["dataset"] == "petshop.orders":
                    p["dataset"] = new
                    for f in p["files"]:
                        f["path"] = f["path"].replace("petshop/orders/", f"{schema}/{table}/")
            d = (json.dumps(manifest, indent=2) + "\n").encode()
            info.size = len(d)
        entries.append((info, d))
    return rewrite_manifests(entries, {})


# Paths that escape the lake.
write("dotdot", original() + [entry(f"{bag}/data/../../../escaped.csv.zst", b"x")])
write("absolute", original() + [entry("/tmp/opslake-escaped.csv.zst", b"x")])
# Links and devices.
write("symlink", original() + [entry(f"{bag}/data/petshop/orders/link", kind=tarfile.SYMTYPE, linkname="/etc/passwd")])
write("hardlink", original() + [entry(f"{bag}/data/petshop/orders/hard", kind=tarfile.LNKTYPE, linkname=f"{bag}/bagit.txt")])
write("device", original() + [entry(f"{bag}/data/petshop/orders/dev", kind=tarfile.CHRTYPE)])
# The same entry twice.
write("duplicate", original() + [(victim_member, victim_data)])
# A payload byte flipped, the manifests left as they were.
flipped = bytearray(victim_data)
flipped[len(flipped) // 2] ^= 0xFF
write("checksum", [(m, bytes(flipped) if m.name == victim_member.name else d) for m, d in members])
# The archive cut short.
with open(good, "rb") as f:
    whole = f.read()
with open(os.path.join(out, "truncated.tar"), "wb") as f:
    f.write(whole[: len(whole) * 2 // 3])
print("truncated")
# A manifest naming a file the bundle lacks.
write("missing", [(m, d) for m, d in members if m.name != victim_member.name])
# A payload file no manifest lists.
extra = victim_member.name.replace("part-00000", "part-00007")
write("unlisted", original() + [entry(extra, victim_data)])
# A zstd bomb: small on disk, hundreds of MB when read; every manifest rewritten to match it.
bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (300 << 20))
write("bomb", rewrite_manifests(original(), {victim: bomb}))
# Datasets in schemas that are PostgreSQL's or the loader's own, every manifest consistent.
write("reserved", renamed("pg_catalog.pg_class"))
write("ledger", renamed("opslake.load_ledger"))
# A domain the receiving lake does not know.
write("domain", renamed("acme.orders"))
