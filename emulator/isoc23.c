/* bochscpu-python's wheel is built against glibc 2.38 or later, where C23
 * made `strtoull` and `sscanf` resolve to `__isoc23_*` symbols; Debian 12
 * has glibc 2.36. Preloaded (LD_PRELOAD), these two forward to the old
 * functions, which behave the same for the bindings' inputs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

unsigned long long __isoc23_strtoull(const char *s, char **end, int base) { return strtoull(s, end, base); }

int __isoc23_sscanf(const char *s, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsscanf(s, format, args);
    va_end(args);
    return n;
}
