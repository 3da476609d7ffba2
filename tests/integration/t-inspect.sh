#!/bin/sh
# t-inspect.sh - `winrescue inspect` on the synthetic PC (GPT and MBR disks, and the
# bare volume): the --json output is valid JSON and matches what the fixture put in
# (its manifest.json, and the registry read independently with hivexregedit); the
# text output is translated; bad inputs become findings while the rest goes on;
# nothing is written (checksums).
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
log="--log $tmp/inspect.log"

"$top/tests/fixtures/build-pc.sh" --size small --out "$tmp/pc" >/dev/null
pc=$tmp/pc
# Bad inputs beside the good disks: an empty file, random bytes, an unpartitioned
# zeroed disk, a GPT disk cut short, a copy whose SOFTWARE hive is random bytes.
: >"$tmp/empty.img"
head -c 4194304 /dev/urandom >"$tmp/random.img"
truncate -s 64M "$tmp/zero.img"
head -c 300000000 "$pc/pc.img" >"$tmp/short.img"
sums() { sha256sum "$pc/pc.img" "$pc/pc-mbr.img" "$pc/windows.img" "$tmp/empty.img" "$tmp/random.img" "$tmp/zero.img" "$tmp/short.img"; }
sums >"$tmp/sums.before"

$bin $log inspect --json "$pc/pc.img" "$pc/pc-mbr.img" "$pc/windows.img" "$tmp/empty.img" \
	"$tmp/random.img" "$tmp/zero.img" "$tmp/short.img" "$pc/install.wim" >"$tmp/out.json"
ntfscat "$pc/windows.img" /Windows/System32/config/SOFTWARE >"$tmp/SOFTWARE"
hivexregedit --export --prefix 'HKLM\SOFTWARE' "$tmp/SOFTWARE" '\Microsoft\Windows\CurrentVersion\Uninstall' >"$tmp/u64.reg"
hivexregedit --export --prefix 'HKLM\SOFTWARE' "$tmp/SOFTWARE" '\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall' >"$tmp/u32.reg"

python3 - "$tmp/out.json" "$pc/manifest.json" "$tmp/u64.reg" "$tmp/u32.reg" <<'PY'
import json, re, sys
out = json.load(open(sys.argv[1]))
man = json.load(open(sys.argv[2]))
disks = {d["path"].rsplit("/", 1)[1]: d for d in out["disks"]}
assert out["schema"] == 1

def reg_value(v):
    """A .reg value as text: "string", hex(1)/hex(2): UTF-16LE, dword:N."""
    m = re.match(r'^hex\((\d+)\):(.*)$', v)
    if m:
        raw = bytes(int(x, 16) for x in m.group(2).split(",") if x)
        if m.group(1) in ("1", "2"):
            return raw.decode("utf-16-le", "replace").split("\0")[0]
        if m.group(1) == "4":
            return int.from_bytes(raw[:4], "little")
        return raw
    if v.startswith("dword:"):
        return int(v[6:], 16)
    if v.startswith('"'):
        return v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return v

def reg_apps(path):
    """Programs and Features' view of a .reg export, read independently."""
    text = open(path, encoding="utf-8", errors="replace").read().replace("\\\n  ", "")
    apps, cur = [], None
    for line in text.splitlines():
        if line.startswith("["):
            cur = {}
            apps.append(cur)
        elif cur is not None and line.startswith('"') and "=" in line:
            k, v = line.split("=", 1)
            cur[k.strip('"')] = reg_value(v)
    names = set()
    for a in apps:
        if not a.get("DisplayName") or a.get("SystemComponent") == 1 or "ParentKeyName" in a:
            continue
        if a.get("ReleaseType") in ("Security Update", "Update", "Hotfix", "ServicePack", "Update Rollup"):
            continue
        names.add(a["DisplayName"])
    return names

def check_windows(w, where):
    mw = man["windows"]
    assert w["product_name"] == mw["product_name"], (where, w["product_name"])
    assert w["edition"] == mw["edition"]
    assert w["version"] == mw["current_version"]
    assert w["build"] == int(mw["build"])
    assert w["arch"] == mw["arch"]
    assert w["computer_name"] == mw["computer_name"]
    assert w["fast_startup_enabled"] == bool(mw["hiberboot_enabled"])
    assert w["marketing_name"] == "Windows 8.1"
    assert w["major"] == 6 and w["minor"] == 3
    assert w["time_zone"] == "Tokyo Standard Time", w["time_zone"]
    assert w["install_date"] > 1e9
    users = {u["sid"]: u for u in w["users"] if not u["special"]}
    assert len(users) == len(man["users"]), users
    for mu in man["users"]:
        u = users[mu["sid"]]
        assert u["name"] == mu["name"], (u["name"], mu["name"])
        assert u["profile_path"] == mu["profile"]
        assert u["profile_bytes"] > 0
    assert sorted(w["store_apps"]) == sorted(man["store_apps"]), w["store_apps"]
    assert w["reagent"]["winre_enabled"] is True
    assert w["reagent"]["winre_location"]["path"].lower() == "\\recovery\\windowsre"
    machine = {a["name"] for a in w["apps"] if a["scope"] == "machine"}
    want = reg_apps(sys.argv[3]) | reg_apps(sys.argv[4])
    assert machine == want, (sorted(machine ^ want))
    for a in w["apps"]:
        assert a["bits"] in (32, 64)
    per_user = {(a["user"], a["name"]) for a in w["apps"] if a["scope"] == "user"}
    assert ("Тарас", "Яндекс.Браузер") in per_user and ("Alice", "Spotify") in per_user, per_user
    sevenzip = [a for a in w["apps"] if a["name"].startswith("7-Zip")][0]
    assert sevenzip["publisher"] == "Igor Pavlov" and sevenzip["link"] == "http://www.7-zip.org/"

# GPT disk
g, mg = disks["pc.img"], man["gpt"]
assert g["table"] == "gpt" and g["disk_guid"] == mg["disk_guid"] and g["size"] == mg["size"]
assert not g["gpt_primary_damaged"]
assert len(g["partitions"]) == len(mg["partitions"])
for p, mp in zip(g["partitions"], mg["partitions"]):
    for k in ("number", "start", "size", "type", "uuid", "name", "role"):
        assert p[k] == mp[k], (k, p[k], mp[k])
    assert p["gpt_attributes"] == int(mp["attrs"], 16)
    if mp.get("fstype"):
        assert p["fstype"] == mp["fstype"] and p["label"] == mp["label"], p
check_windows(g["partitions"][2]["volume"]["windows"], "gpt")
src = g["partitions"][2]["volume"]["windows"]["sources"]
assert any(s["kind"] == "oem" and s["images"][0]["can_refresh"] for s in src), src
given = [s for s in src if s["kind"] == "given"]
assert given and [i["edition"] for i in given[0]["images"]] == ["Core", "Professional"], given
assert given[0]["images"][0]["can_refresh"] and not given[0]["images"][1]["can_refresh"]
assert given[0]["images"][1]["mismatch"] == ["edition"]
# MBR disk
m, mm = disks["pc-mbr.img"], man["mbr"]
assert m["table"] == "mbr" and m["mbr_signature"] == mm["signature"][2:]
for p, mp in zip(m["partitions"], mm["partitions"]):
    for k in ("number", "start", "size", "type", "active"):
        assert p[k] == mp[k], (k, p[k], mp[k])
    assert p["role"] == mp["role"].replace("_", "-"), (p["role"], mp["role"])
check_windows(m["partitions"][1]["volume"]["windows"], "mbr")
# The bare volume
v = disks["windows.img"]
assert v["table"] == "none"
check_windows(v["volume"]["windows"], "volume")
# Bad inputs are findings, not crashes
assert disks["empty.img"]["error"] or disks["empty.img"]["table"] == "none"
for bad in ("random.img", "zero.img"):
    d = disks[bad]
    assert d["error"] or (d["table"] == "none" and "windows" not in d.get("volume", {})), d
s = disks["short.img"]
assert s["table"] == "gpt" and s["truncated"] and s["gpt_backup_damaged"], s
assert [p["number"] for p in s["partitions"]] == [1, 2, 3, 4]
assert s["partitions"][0]["fstype"] == "vfat"
assert s["partitions"][2]["volume"]["error"]["code"] == "WR_ERR_CORRUPT", s["partitions"][2]
print("inspect JSON matches the fixture")
PY

sums >"$tmp/sums.after"
cmp -s "$tmp/sums.before" "$tmp/sums.after" || { diff "$tmp/sums.before" "$tmp/sums.after"; fail "inspect changed an input"; }

# Text output for people, in Japanese: translated labels, no JSON.
$bin $log --lang ja inspect "$pc/pc.img" >"$tmp/out.txt"
grep -q "山田太郎" "$tmp/out.txt" || fail "ja text: users"
grep -q "Windows 8.1" "$tmp/out.txt" || fail "ja text: product"
grep -q "ディスク" "$tmp/out.txt" || fail "ja text not translated: $(head -3 "$tmp/out.txt")"
# The apps command agrees with inspect.
$bin $log apps --json --target "$pc/pc.img" --partition 3 >"$tmp/apps.json"
python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['apps']; assert len(a) >= 10, a" "$tmp/apps.json"
set +e; $bin $log apps --target "$tmp/random.img" 2>"$tmp/err"; st=$?; set -e
[ $st -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "apps on random bytes: exit $st: $(cat "$tmp/err")"
echo "t-inspect: all checks passed"
