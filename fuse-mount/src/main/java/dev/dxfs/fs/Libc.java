package dev.dxfs.fs;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Encoding;

/**
 * The C library calls the daemon makes. Every path operation is relative to a directory file
 * descriptor, so the backing tree is reached through the descriptor opened before the mount and
 * never through the mount itself. Buffers are the ones FUSE hands over: no copies. Strings are
 * byte strings, one char per byte ({@link dev.dxfs.fuse.Names}).
 */
@Encoding("ISO-8859-1")
public interface Libc {
    Libc C = LibraryLoader.create(Libc.class).failImmediately().load("c");
    Runtime RUNTIME = Runtime.getRuntime(C);

    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_CREAT = 0x40;
    int O_EXCL = 0x80;
    int O_NOCTTY = 0x100;
    int O_APPEND = 0x400;
    int O_DIRECTORY = 0x10000;
    int O_NOFOLLOW = 0x20000;
    int O_CLOEXEC = 0x80000;
    int O_PATH = 0x200000;

    int AT_FDCWD = -100;
    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_REMOVEDIR = 0x200;
    int AT_SYMLINK_FOLLOW = 0x400;
    int AT_EMPTY_PATH = 0x1000;
    /** statx(2): ask the filesystem, never answer from the kernel's attribute cache. */
    int AT_STATX_FORCE_SYNC = 0x2000;
    int STATX_BASIC_STATS = 0x7ff;
    int STATX_BTIME = 0x800;
    /** sizeof(struct statx). */
    int STATX_SIZE = 256;

    int F_GETFL = 3;
    int F_SETFL = 4;

    int RENAME_NOREPLACE = 1;
    int RENAME_EXCHANGE = 2;

    long FICLONE = 0x40049409L;

    int open(String path, int flags, int mode);

    /** poll(2) of {@code count} struct pollfd (int fd, short events, short revents). */
    int poll(Pointer fds, long count, int timeoutMillis);

    short POLLPRI = 0x2;

    int openat(int dirfd, String path, int flags, int mode);

    int close(int fd);

    int dup(int fd);

    int dup2(int oldfd, int newfd);

    long read(int fd, Pointer buf, long count);

    long pwrite(int fd, Pointer buf, long count, long offset);

    int fcntl(int fd, int cmd, int arg);

    int fstatat(int dirfd, String path, Pointer statbuf, int flags);

    int fstat(int fd, Pointer statbuf);

    int stat(String path, Pointer statbuf);

    int statx(int dirfd, String path, int flags, int mask, Pointer statxbuf);

    int mkdirat(int dirfd, String path, int mode);

    int unlinkat(int dirfd, String path, int flags);

    int renameat(int olddirfd, String oldpath, int newdirfd, String newpath);

    int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

    int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

    int symlinkat(String target, int newdirfd, String linkpath);

    long readlinkat(int dirfd, String path, Pointer buf, long bufsiz);

    int chmod(String path, int mode);

    int fchownat(int dirfd, String path, int uid, int gid, int flags);

    int utimensat(int dirfd, String path, Pointer times, int flags);

    int futimens(int fd, Pointer times);

    int fchmod(int fd, int mode);

    int fchown(int fd, int uid, int gid);

    int ftruncate(int fd, long length);

    int fsync(int fd);

    int fdatasync(int fd);

    int fallocate(int fd, int mode, long offset, long len);

    int mknodat(int dirfd, String path, int mode, long dev);

    int fstatvfs(int fd, Pointer buf);

    long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long len, int flags);

    int ioctl(int fd, long request, long arg);

    int ioctl(int fd, long request, Pointer arg);

    long lseek(int fd, long offset, int whence);

    long lgetxattr(String path, String name, Pointer value, long size);

    int lsetxattr(String path, String name, Pointer value, long size, int flags);

    long llistxattr(String path, Pointer list, long size);

    int lremovexattr(String path, String name);

    long getxattr(String path, String name, Pointer value, long size);

    int setxattr(String path, String name, Pointer value, long size, int flags);

    long listxattr(String path, Pointer list, long size);

    int removexattr(String path, String name);

    Pointer fdopendir(int fd);

    Pointer readdir(Pointer dir);

    int closedir(Pointer dir);

    int geteuid();

    /** The user database's entry of {@code uid} (struct passwd, whose first field is the name), or null. */
    Pointer getpwuid(int uid);

    int umask(int mask);

    int RLIMIT_NOFILE = 7;

    /** getrlimit(2): {@code limits} is struct rlimit {rlim_t cur; rlim_t max}. */
    int getrlimit(int resource, Pointer limits);

    int setrlimit(int resource, Pointer limits);

    int unshare(int flags);

    /** syscall(2), for a call the C library may not have a function for (pidfd_open before glibc 2.36). */
    long syscall(long number, long first, long second);

    int fanotify_init(int flags, int eventFileFlags);

    /** fanotify_mark(2); {@code path} null marks what {@code dirfd} is on. */
    int fanotify_mark(int fd, int flags, long mask, int dirfd, String path);

    /** name_to_handle_at(2): {@code handle} is a struct file_handle, {@code mountId} room for a long. */
    int name_to_handle_at(int dirfd, String path, Pointer handle, Pointer mountId, int flags);

    /** The errno of the last call on this thread. */
    static int errno() {
        return RUNTIME.getLastError();
    }
}
