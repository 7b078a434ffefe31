package dev.dxfs.mount;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * The C library calls that run a command as a job of its own, as a shell does: process groups,
 * the terminal's foreground group, waiting and signals. Java's ProcessBuilder can put a command
 * in neither a process group nor the terminal's foreground. Strings are in the JVM's charset,
 * the one it decoded the command line with.
 */
public interface JobCalls {
    JobCalls C = LibraryLoader.create(JobCalls.class).failImmediately().load("c");
    Runtime RUNTIME = Runtime.getRuntime(C);

    /** Sizes of glibc's opaque types on Linux, with room to spare. */
    int SPAWN_ATTR_SIZE = 512;
    int SPAWN_FILE_ACTIONS_SIZE = 256;
    int SIGSET_SIZE = 128;

    short POSIX_SPAWN_SETPGROUP = 0x02;
    short POSIX_SPAWN_SETSIGMASK = 0x08;

    int WUNTRACED = 2;
    int SIG_BLOCK = 0;
    int SIG_SETMASK = 2;

    int EINTR = 4;

    int SIGHUP = 1;
    int SIGINT = 2;
    int SIGKILL = 9;
    int SIGTERM = 15;
    int SIGCONT = 18;
    int SIGSTOP = 19;
    int SIGTTIN = 21;
    int SIGTTOU = 22;

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigmask);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_addclose(Pointer actions, int fd);

    int posix_spawn_file_actions_destroy(Pointer actions);

    /** Answers 0 or the error number itself (not in errno); argv and envp end with null. */
    int posix_spawnp(IntByReference pid, String file, Pointer actions, Pointer attr, String[] argv, String[] envp);

    int waitpid(int pid, IntByReference status, int options);

    int kill(int pid, int signal);

    /** Signals the calling thread: a stop signal stops the process before the call returns. */
    int raise(int signal);

    int getpgrp();

    int tcgetpgrp(int fd);

    int tcsetpgrp(int fd, int pgrp);

    int sigemptyset(Pointer set);

    int sigaddset(Pointer set, int signal);

    int pthread_sigmask(int how, Pointer set, Pointer old);

    String strerror(int errno);

    /** The errno of the last call on this thread. */
    static int errno() {
        return RUNTIME.getLastError();
    }
}
