package dev.dxfs.fuse.kernel;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Encoding;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;

/**
 * The C library calls of the transport. Buffers are passed by address ({@code long}): they are
 * the transport's own page-aligned direct buffers. Strings are byte strings, one char per byte.
 */
@Encoding("ISO-8859-1")
public interface Sys {
    Sys C = LibraryLoader.create(Sys.class).failImmediately().load("c");
    Runtime RUNTIME = Runtime.getRuntime(C);

    int O_RDWR = 2;
    int O_CLOEXEC = 0x80000;
    int F_SETFD = 2;
    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_CLOEXEC = 0x80000;
    int MNT_DETACH = 2;

    int EINTR = 4;
    int EAGAIN = 11;
    int ENOENT = 2;
    int ENODEV = 19;
    int EPERM = 1;
    int ENOTTY = 25;

    int open(String path, int flags, int mode);

    int close(int fd);

    long read(int fd, long buf, long count);

    long write(int fd, long buf, long count);

    long pread(int fd, long buf, long count, long offset);

    /** mmap(2) where the kernel picks the address ({@code addr} null: a {@code long} 0 there failed with EINVAL). */
    long mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(long addr, long length);

    int fcntl(int fd, int cmd, int arg);

    /** ioctl(2) whose argument is a pointer: here an address in the transport's own memory. */
    int ioctl(int fd, long request, long arg);

    int mount(String source, String target, String type, long flags, String data);

    int umount2(String target, int flags);

    int socketpair(int domain, int type, int protocol, @Out int[] fds);

    long recvmsg(int fd, Pointer msghdr, int flags);

    int posix_spawnp(IntByReference pid, String file, Pointer fileActions, Pointer attributes, String[] argv, String[] envp);

    int waitpid(int pid, Pointer status, int options);

    int getuid();

    int getgid();

    /** The errno of the last call on this thread. */
    static int errno() {
        return RUNTIME.getLastError();
    }
}
