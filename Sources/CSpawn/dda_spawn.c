#define _GNU_SOURCE
#include "dda_spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2) /* linux/close_range.h, Linux 5.11 */
#endif

pid_t dda_spawn(char *const argv[], char *const envp[], const char *directory,
                int stdin_fd, int stdout_fd, int stderr_fd, int progress_fd) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        /* Child: own process group so a timeout or cancel can kill the whole tree. */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        /* fd 3 is about to be taken: move the error report's end out of the way first. */
        if (progress_fd >= 0 && report[1] == 3) {
            int moved = fcntl(report[1], F_DUPFD_CLOEXEC, 4);
            if (moved < 0) _exit(127);
            report[1] = moved;
        }
        if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) goto failed;
        if (progress_fd >= 0) {
            /* dup2 onto itself keeps close-on-exec: clear it then, so fd 3 survives exec. */
            if (progress_fd == 3) {
                if (fcntl(3, F_SETFD, 0) < 0) goto failed;
            } else if (dup2(progress_fd, 3) < 0) {
                goto failed;
            }
        }
        if (directory != NULL && chdir(directory) != 0) goto failed;
        /* Nothing but 0-2 (and the progress fd 3) may reach the handler: libcurl (7.88)
           opens its sockets without close-on-exec, and the runner keeps its connections to
           the API server between requests, so a handler (or a daemon it starts) would hold
           them open, and could talk on them. Mark everything above close-on-exec. */
        unsigned int first = progress_fd >= 0 ? 4 : 3;
        if (close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
            /* Kernels before 5.11: one descriptor at a time, up to the limit. */
            long limit = sysconf(_SC_OPEN_MAX);
            if (limit < 0 || limit > 1048576) limit = 1048576;
            for (long fd = first; fd < limit; fd++) (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
        }
        execvpe(argv[0], argv, envp);
    failed:;
        int error = errno;
        (void)!write(report[1], &error, sizeof error);
        _exit(127);
    }
    close(report[1]);
    /* The parent learns about a failed chdir/exec through the close-on-exec pipe. */
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof child_errno) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = child_errno;
        return -1;
    }
    /* Also set the group from the parent: no race with a kill before the child ran. */
    setpgid(pid, pid);
    return pid;
}

int dda_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
