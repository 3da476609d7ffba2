/*
 * progress.c - progress callback plumbing shared by every long operation.
 */
#include "winrescue.h"

bool wr_prog_due(struct wr_prog_limiter *l, uint64_t done, uint64_t total)
{
	uint64_t step = total / 100;

	if (!l->started || done >= total || done < l->last || done - l->last >= step) {
		l->started = true;
		l->last = done;
		return true;
	}
	return false;
}

int wr_prog_report(wr_progress_fn fn, void *ctx, enum wr_prog_msg msg,
		   const union wr_prog_info *info)
{
	if (!fn)
		return WR_OK;
	return fn(msg, info, ctx) == WR_PROG_ABORT ? WR_ERR_ABORTED : WR_OK;
}
