/*
 * amana_poison: functions banned by STYLE.md. Included last by every .c
 * of ours (through amana.h), so a use is a compile error.
 */
#ifndef AMANA_POISON_H
#define AMANA_POISON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* fortify may define some of these as macros: drop them, then poison */
#undef strcpy
#undef strcat
#undef sprintf
#undef vsprintf
#undef strtok
#undef atoi
#undef alloca
#pragma GCC poison strcpy strcat sprintf vsprintf strtok atoi alloca
#endif
