#ifndef DDA_SPAWN_H
#define DDA_SPAWN_H
#include <sys/types.h>

/// Starts argv[0] (searched in PATH when it has no slash) in a new process group, with
/// stdin/stdout/stderr connected to the given fds, in `directory` (NULL = current) and with
/// environment `envp`; `progress_fd` (when >= 0) becomes the child's file descriptor 3,
/// where a handler writes its progress lines. Returns the child's pid, or -1 with errno set.
/// Written in C because the child between fork and exec may only make async-signal-safe calls.
pid_t dda_spawn(char *const argv[], char *const envp[], const char *directory,
                int stdin_fd, int stdout_fd, int stderr_fd, int progress_fd);

/// pipe2(fds, O_CLOEXEC): no other child started meanwhile inherits these ends.
int dda_pipe_cloexec(int fds[2]);

#endif
