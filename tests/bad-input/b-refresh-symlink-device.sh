#!/bin/sh
# b-refresh-symlink-device.sh - the target path is a symbolic link to another device
# (a loop device holding a BitLocker volume) and to another file (a hibernated volume):
# refused, and the message names the REAL device or file, not the link; nothing is
# written to either.
. "$(dirname "$0")/lib.sh"
bi_fixture
src=$fx/install.wim
bi_fixture --hiberfil
hib=$tmp/hib.img
bi_copy "$fx/windows.img" "$hib"
ln -s "$hib" "$tmp/windows-link"
bi_keep "$hib" "$src"
msg="Windows is hibernated on this volume; resume and shut it down fully, or agree to discard the hibernated session."
for lang in en ru; do
	bi_expect 3 $lang "$msg" --lines 2 --subject "$hib" -- refresh --target "$tmp/windows-link" --source "$src" --yes
done
need_root
tar -xJf "$testdata/bitlocker/bitlk-images.tar.xz" -C "$tmp" bitlk-images/bitlk-aes-xts-128.img
bi_losetup "$tmp/bitlk-images/bitlk-aes-xts-128.img"
ln -s "$loop" "$tmp/disk-link"
bi_keep "$tmp/bitlk-images/bitlk-aes-xts-128.img"
msg="The volume is encrypted with BitLocker; unlock or decrypt it in Windows first."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject "$loop" -- refresh --target "$tmp/disk-link" --source "$src" --yes
done
bi_done
