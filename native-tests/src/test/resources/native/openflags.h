/*
 * Open flags written as words joined by '|' ("wronly|creat|trunc"), as the test programs take
 * them on their command lines and standard input.
 */
#ifndef DXFS_OPENFLAGS_H
#define DXFS_OPENFLAGS_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* The flags `text` names, or -1 when a word is not one of them. */
static inline int parse_open_flags(const char *text) {
    int flags = 0;
    char *copy = strdup(text);
    for (char *save = NULL, *word = strtok_r(copy, "|", &save); word; word = strtok_r(NULL, "|", &save)) {
        if (strcmp(word, "rdonly") == 0) flags |= O_RDONLY;
        else if (strcmp(word, "wronly") == 0) flags |= O_WRONLY;
        else if (strcmp(word, "rdwr") == 0) flags |= O_RDWR;
        else if (strcmp(word, "creat") == 0) flags |= O_CREAT;
        else if (strcmp(word, "excl") == 0) flags |= O_EXCL;
        else if (strcmp(word, "trunc") == 0) flags |= O_TRUNC;
        else if (strcmp(word, "append") == 0) flags |= O_APPEND;
        else if (strcmp(word, "tmpfile") == 0) flags |= O_TMPFILE;
        else {
            free(copy);
            return -1;
        }
    }
    free(copy);
    return flags;
}

#endif
