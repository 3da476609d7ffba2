/*
 * error.c - result codes: English messages and names.
 *
 * Messages are marked N_() so xgettext collects them; the engine returns the English
 * msgid and the front end translates it with gettext.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "winrescue.h"
#include "intl.h"

static const struct {
	const char *name;
	const char *msg;
} err_table[WR_ERR__COUNT] = {
	[WR_OK] = { "WR_OK", N_("Success.") },
	[WR_ERR_NOMEM] = { "WR_ERR_NOMEM", N_("Out of memory.") },
	[WR_ERR_INVALID_ARG] = { "WR_ERR_INVALID_ARG", N_("An invalid argument was given.") },
	[WR_ERR_OPEN] = { "WR_ERR_OPEN", N_("A file or device could not be opened.") },
	[WR_ERR_READ] = { "WR_ERR_READ", N_("A file or device could not be read.") },
	[WR_ERR_WRITE] = { "WR_ERR_WRITE", N_("A file or device could not be written.") },
	[WR_ERR_NOT_FOUND] = { "WR_ERR_NOT_FOUND", N_("Something that should be there was not found.") },
	[WR_ERR_NOT_NTFS] = { "WR_ERR_NOT_NTFS", N_("The volume is not an NTFS volume.") },
	[WR_ERR_BITLOCKER] = { "WR_ERR_BITLOCKER", N_("The volume is encrypted with BitLocker; unlock or decrypt it in Windows first.") },
	[WR_ERR_HIBERNATED] = { "WR_ERR_HIBERNATED", N_("Windows is hibernated on this volume; resume and shut it down fully, or agree to discard the hibernated session.") },
	[WR_ERR_FAST_STARTUP] = { "WR_ERR_FAST_STARTUP", N_("Windows was shut down with Fast Startup; restart it and shut it down fully, or agree to discard the saved session.") },
	[WR_ERR_MOUNTED] = { "WR_ERR_MOUNTED", N_("The target is mounted; unmount it first.") },
	[WR_ERR_LOCKED] = { "WR_ERR_LOCKED", N_("Another winrescue is working on this target; wait for it to finish.") },
	[WR_ERR_HIVE_CORRUPT] = { "WR_ERR_HIVE_CORRUPT", N_("A registry hive is damaged and cannot be read.") },
	[WR_ERR_HIVE] = { "WR_ERR_HIVE", N_("A registry operation failed.") },
	[WR_ERR_XML] = { "WR_ERR_XML", N_("An XML file is damaged and cannot be read.") },
	[WR_ERR_WIM] = { "WR_ERR_WIM", N_("The Windows image operation failed.") },
	[WR_ERR_WIM_CORRUPT] = { "WR_ERR_WIM_CORRUPT", N_("The Windows image file is damaged or incomplete; use another copy.") },
	[WR_ERR_NO_PARTITION_TABLE] = { "WR_ERR_NO_PARTITION_TABLE", N_("The disk has no partition table.") },
	[WR_ERR_NO_SUCH_PARTITION] = { "WR_ERR_NO_SUCH_PARTITION", N_("The disk has no partition with that number.") },
	[WR_ERR_NO_WINDOWS] = { "WR_ERR_NO_WINDOWS", N_("No Windows installation was found on the volume.") },
	[WR_ERR_NOT_IMPLEMENTED] = { "WR_ERR_NOT_IMPLEMENTED", N_("This capability is not available in this version of winrescue yet.") },
	[WR_ERR_ABORTED] = { "WR_ERR_ABORTED", N_("The operation was cancelled.") },
	[WR_ERR_NO_SPACE] = { "WR_ERR_NO_SPACE", N_("There is not enough free space.") },
	[WR_ERR_MISMATCH] = { "WR_ERR_MISMATCH", N_("The Windows image does not match the installed Windows.") },
	[WR_ERR_TOO_LARGE] = { "WR_ERR_TOO_LARGE", N_("A file or value is larger than allowed.") },
	[WR_ERR_UNSUPPORTED] = { "WR_ERR_UNSUPPORTED", N_("This format or version is not supported.") },
	[WR_ERR_SPAWN] = { "WR_ERR_SPAWN", N_("A helper program could not be started.") },
	[WR_ERR_JOURNAL] = { "WR_ERR_JOURNAL", N_("The operation journal is damaged.") },
	[WR_ERR_EXISTS] = { "WR_ERR_EXISTS", N_("The destination already exists.") },
	[WR_ERR_NOT_ROOT] = { "WR_ERR_NOT_ROOT", N_("This needs administrator (root) rights; run winrescue as root.") },
	[WR_ERR_LIVE_DISK] = { "WR_ERR_LIVE_DISK", N_("The target is on the disk the running system uses; choose another target.") },
	[WR_ERR_SOURCE_ON_TARGET] = { "WR_ERR_SOURCE_ON_TARGET", N_("The Windows image is stored on the volume that would be changed; put it on another drive.") },
	[WR_ERR_UNSAFE_PATH] = { "WR_ERR_UNSAFE_PATH", N_("A file name is unsafe and was refused.") },
	[WR_ERR_CORRUPT] = { "WR_ERR_CORRUPT", N_("The data on the disk is damaged.") },
	[WR_ERR_HELPER_FAILED] = { "WR_ERR_HELPER_FAILED", N_("A helper program reported an error.") },
	[WR_ERR_NO_SOURCE] = { "WR_ERR_NO_SOURCE", N_("No suitable Windows image was found; insert installation media of the same Windows version.") },
	[WR_ERR_INTERRUPTED] = { "WR_ERR_INTERRUPTED", N_("An earlier operation on this volume was interrupted; run resume to finish it.") },
	[WR_ERR_DIRTY] = { "WR_ERR_DIRTY", N_("The volume is marked as needing a disk check.") },
	[WR_ERR_NO_SUCH_IMAGE] = { "WR_ERR_NO_SUCH_IMAGE", N_("The Windows image file has no image with that number; choose one of the listed images.") },
	[WR_ERR_BAD_OUTPUT] = { "WR_ERR_BAD_OUTPUT", N_("A helper program gave an answer winrescue cannot understand.") },
	[WR_ERR_DEVICE_GONE] = { "WR_ERR_DEVICE_GONE", N_("The disk stopped responding or was disconnected; the results found so far were kept.") },
	[WR_ERR_NOTHING_TO_RESUME] = { "WR_ERR_NOTHING_TO_RESUME", N_("The interrupted operation had not changed anything yet; start it again.") },
	[WR_ERR_DIR_ON_TARGET] = { "WR_ERR_DIR_ON_TARGET", N_("The folder for the image is on the Windows volume itself: the image would capture itself, and a refresh would replace the volume that holds it. Choose a folder on another drive.") },
	[WR_ERR_READ_ONLY] = { "WR_ERR_READ_ONLY", N_("The folder is read-only; choose a folder that can be written to.") },
	[WR_ERR_CUSTOM_IMAGE_CORRUPT] = { "WR_ERR_CUSTOM_IMAGE_CORRUPT", N_("The CustomRefresh.wim already in that folder is damaged, so no image was added to it; move it away or choose another folder.") },
	[WR_ERR_NOT_BCD] = { "WR_ERR_NOT_BCD", N_("The file is not a Windows boot configuration (BCD) store.") },
	[WR_ERR_BCD_TEMPLATE] = { "WR_ERR_BCD_TEMPLATE", N_("The file is the BCD template Windows builds boot stores from, not a boot store itself.") },
	[WR_ERR_NO_ESP] = { "WR_ERR_NO_ESP", N_("The disk uses GPT but has no EFI system partition, so there is nowhere to put the boot files; nothing was changed. Create an EFI system partition first.") },
	[WR_ERR_DISK_TOO_SMALL] = { "WR_ERR_DISK_TOO_SMALL", N_("The disk or partition is too small for this Windows image; nothing was changed. Use a larger disk.") },
	[WR_ERR_PROTECTED_PARTITION] = { "WR_ERR_PROTECTED_PARTITION", N_("That is a recovery or manufacturer partition, which winrescue never erases; choose the Windows partition.") },
	[WR_ERR_NOT_CONFIRMED] = { "WR_ERR_NOT_CONFIRMED", N_("What was typed does not match what the screen asked for, so nothing was erased.") },
};

const char *wr_strerror(int err)
{
	if (err >= 0 && err < WR_ERR__COUNT && err_table[err].msg)
		return err_table[err].msg;
	return N_("An unknown error occurred.");
}

const char *wr_err_name(int err)
{
	if (err >= 0 && err < WR_ERR__COUNT && err_table[err].name)
		return err_table[err].name;
	return "WR_ERR_UNKNOWN";
}

int wr_detail_set(struct wr_detail *d, int err, int sys_errno, const char *subject)
{
	if (!d)
		return err;
	d->sys_errno = sys_errno;
	if (subject)
		snprintf(d->subject, sizeof(d->subject), "%s", subject);
	return err;
}

int wr_detail_setf(struct wr_detail *d, int err, int sys_errno, const char *subject,
		   const char *lib_fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	wr_detail_set(d, err, sys_errno, subject);
	va_start(ap, lib_fmt);
	vsnprintf(d->lib_msg, sizeof(d->lib_msg), lib_fmt, ap);
	va_end(ap);
	return err;
}
