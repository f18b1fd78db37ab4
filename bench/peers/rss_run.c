/*
 * rss_run: runs a command and reports its wall time and peak RSS.
 *
 * usage: rss_run RESULT_FILE COMMAND [ARG]...
 * Writes "EXIT MAXRSS_KIB WALL_SECONDS CPU_SECONDS" (user + system) to
 * RESULT_FILE and exits with the command's status. It exists because Linux
 * carries the peak RSS of the process image that calls exec into the child's
 * ru_maxrss: spawned from a Python interpreter, every program would report
 * Python's 20 MiB. Spawned from this small program, the figure is the command's
 * own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: rss_run RESULT_FILE COMMAND [ARG]...\n");
        return 2;
    }
    FILE *result = fopen(argv[1], "w");
    if (result == NULL) {
        fprintf(stderr, "rss_run: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rss_run: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        fclose(result);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "rss_run: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "rss_run: waitpid: %s\n", strerror(errno));
            return 2;
        }
    }
    /* The only child there ever was: its figures alone. */
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec)
                  + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
                 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    fprintf(result, "%d %ld %.6f %.6f\n", code, ru.ru_maxrss, wall, cpu);
    if (fclose(result) != 0) {
        return 2;
    }
    return code;
}
