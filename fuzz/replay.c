/* Replays fuzz inputs through a harness, for builds without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the harness on one input in a child process, so one failing input
 * does not hide the others (RILL_REPLAY_NOFORK=1 runs it in-process, for
 * a debugger). Returns 0 if the harness returned normally. */
static int
run_one(const uint8_t *data, size_t size) {
    if (getenv("RILL_REPLAY_NOFORK") != NULL) {
        LLVMFuzzerTestOneInput(data, size);
        return 0;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        LLVMFuzzerTestOneInput(data, size);
        fflush(NULL);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        perror("waitpid");
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Reads the whole file at `path` into an exactly sized heap block, so an
 * overread past the input is caught by ASan as it would be by libFuzzer. */
static int
replay_file(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096;
    size_t size = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + size, 1, cap - size, fp)) > 0) {
        size += n;
        if (size == cap) {
            cap *= 2;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
            } else {
                buf = grown;
            }
        }
    }
    int failed = buf == NULL || ferror(fp);
    fclose(fp);
    if (failed) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    uint8_t *exact = malloc(size > 0 ? size : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, size);
    free(buf);
    fprintf(stderr, "replay %s (%zu bytes)\n", path, size);
    int rc = run_one(exact, size);
    free(exact);
    if (rc != 0) {
        fprintf(stderr, "FAILED: %s\n", path);
    }
    return rc;
}

static int
compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file in `dir`, in name order so runs repeat. */
static int
replay_dir(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (grown == NULL) {
            break;
        }
        names = grown;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (names[n] == NULL) {
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof *names, compare_names);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[i]) != 0) {
                rc = -1;
            }
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (replay_dir(argv[i], &count) != 0) {
                rc = 1;
            }
        } else {
            if (replay_file(argv[i]) != 0) {
                rc = 1;
            }
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "no inputs replayed\n");
        return 1;
    }
    fprintf(stderr, "replayed %zu inputs%s\n", count,
            rc != 0 ? ", some FAILED" : "");
    return rc;
}
