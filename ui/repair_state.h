/*
 * repair_state.h - "winrescue repair hibernation|registry|dirty": the repairs of a
 * volume's state (ui/cmd_repair_state.c).  ui/cmd_repair.c dispatches to them with
 * argv[0] = the subcommand's name ("hibernation").
 */
#ifndef UI_REPAIR_STATE_H
#define UI_REPAIR_STATE_H

/* --target VOL [--partition N] [--yes]: delete hiberfil.sys (the unsaved session is
 * lost).  Exit 0 done, 1 failed, 2 usage, 3 refused (nothing written). */
int repair_hibernation_main(int argc, char **argv);
/* --target VOL [--partition N] [--only-damaged] [--yes]: restore hives from
 * config\RegBack, keeping the current ones as <name>.winrescue-<date>. */
int repair_registry_main(int argc, char **argv);
/* --target VOL [--partition N] [--yes]: clear the NTFS dirty flag. */
int repair_dirty_main(int argc, char **argv);
/* `winrescue resume`: finish an interrupted repair on the volume.  Returns -1 when
 * it holds no repair journal (or cannot be read): then it is the refresh resume's to
 * look at; else an exit status (0 finished). */
int repair_resume_main(const char *target, unsigned partition);

#endif
