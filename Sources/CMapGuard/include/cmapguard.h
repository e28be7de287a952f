/* A guard for read-only file mappings (MappedFile): a page of a mapped evidence file that another process truncated
   away would raise SIGBUS on access and kill the run. A registered mapping's lost pages are replaced by zero pages
   instead, and the lowest lost offset is recorded, so the reader can say the file shrank and keep what was there. */
#ifndef CMAPGUARD_H
#define CMAPGUARD_H
#include <stddef.h>
#include <stdint.h>

/* Registers [base, base + length) (installs the SIGBUS handler on first use). Returns a slot, or -1 when every slot
   is taken (the caller then reads the file without mapping it). */
int cmapguard_register(const void *base, size_t length);
/* The lowest offset of a page lost to truncation in the slot's mapping, or -1 if none was. */
int64_t cmapguard_first_lost(int slot);
/* Forgets the slot; call before unmapping. */
void cmapguard_unregister(int slot);
#endif
