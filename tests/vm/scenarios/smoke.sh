# The machine itself: dm-crypt, loop and ext4 work. A LUKS2 disk formatted on the host opens
# with its key file, takes a file system and a file, closes, and opens again with the file intact.
# Then with systemd-udevd running (libdevmapper waits for udev's dm rules): rsync into the vault.

host_prepare() {
        head -c 32 /dev/urandom >"$VM_WORK/disk.key"
        vm_luks_format "$VM_DISKS/vdb.img" 32M "$VM_WORK/disk.key"
        # The same kind of vault as an image file on the work disk, opened through a loop device.
        vm_luks_format "$VM_WORK/vault.img" 32M "$VM_WORK/disk.key"
}

guest_main() {
        vm_check open-disk cryptsetup open --key-file /work/disk.key /dev/vdb smoke
        dmsetup table smoke | grep -q ' crypt aes-xts-plain64 ' || vm_fail dm-table "$(dmsetup table smoke)"
        vm_pass dm-table
        vm_check mkfs mkfs.ext4 -q /dev/mapper/smoke
        mkdir -p /mnt/smoke
        vm_check mount mount -t ext4 /dev/mapper/smoke /mnt/smoke
        echo "written in the guest" >/mnt/smoke/file
        umount /mnt/smoke
        vm_check close cryptsetup close smoke
        vm_no_mapping smoke || vm_fail closed "mapping smoke still there"
        cryptsetup open --key-file /work/disk.key /dev/vdb smoke
        mount -t ext4 -o ro /dev/mapper/smoke /mnt/smoke
        [ "$(cat /mnt/smoke/file)" = "written in the guest" ] || vm_fail reopen "file lost"
        umount /mnt/smoke
        cryptsetup close smoke
        vm_pass reopen

        vm_check open-image cryptsetup open --key-file /work/disk.key /work/vault.img loopy
        losetup -a | grep -q vault.img || vm_fail loop "no loop device for the image"
        vm_check fsck-image sh -c 'mkfs.ext4 -q /dev/mapper/loopy && e2fsck -fn /dev/mapper/loopy'
        vm_check close-image cryptsetup close loopy
        echo wrong-key-wrong-key-wrong-key-xx >/tmp/wrong.key
        vm_expect_rc wrong-key 2 cryptsetup open --key-file /tmp/wrong.key /dev/vdb smoke
        vm_no_mapping smoke || vm_fail wrong-key "a mapping was left"

        vm_start_udev
        vm_check open-udev cryptsetup open --key-file /work/disk.key /dev/vdb smoke
        udevadm info /dev/mapper/smoke | grep -q 'DM_NAME=smoke' || vm_fail udev-dm "udev did not process the dm device"
        [ -L /dev/disk/by-id/dm-name-smoke ] || vm_fail udev-dm "no /dev/disk/by-id/dm-name-smoke"
        vm_pass udev-dm
        mount -t ext4 /dev/mapper/smoke /mnt/smoke
        mkdir -p /tmp/tree/a/b && seq 1 1000 >/tmp/tree/a/b/n && ln -s b/n /tmp/tree/a/link
        vm_check rsync rsync -a /tmp/tree/ /mnt/smoke/tree/
        [ -L /mnt/smoke/tree/a/link ] && cmp /tmp/tree/a/b/n /mnt/smoke/tree/a/b/n || vm_fail rsync-copy "copy differs"
        umount /mnt/smoke
        vm_check close-udev cryptsetup close smoke
        vm_no_mapping smoke || vm_fail close-udev "mapping left"
}
