/*
 * reset_cli.h - what `winrescue resume` asks of the reset command.
 */
#ifndef UI_RESET_CLI_H
#define UI_RESET_CLI_H

/* Finish an interrupted reset of target (partition 0: look at the whole disk).
 * Returns -1 when no reset journal is found (then it is another operation's resume);
 * else an exit status (0 finished). */
int reset_resume_main(const char *target, unsigned partition);

#endif
