package dev.dxfs.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Encoding;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/**
 * The part of libfuse 2's low-level API the daemon uses: a session that hands over requests by
 * node id, and the calls that answer them. Strings are byte strings (see {@link Names}).
 */
@Encoding("ISO-8859-1")
public interface FuseLib {
    FuseLib F = LibraryLoader.create(FuseLib.class).failImmediately().load("fuse");

    Pointer fuse_mount(String mountpoint, Pointer args);

    void fuse_unmount(String mountpoint, Pointer channel);

    Pointer fuse_lowlevel_new(Pointer args, Pointer operations, @size_t long size, Pointer userdata);

    void fuse_session_add_chan(Pointer session, Pointer channel);

    void fuse_session_remove_chan(Pointer channel);

    int fuse_chan_recv(Pointer channelRef, Pointer buf, @size_t long size);

    @size_t
    long fuse_chan_bufsize(Pointer channel);

    void fuse_session_process(Pointer session, Pointer buf, @size_t long len, Pointer channel);

    int fuse_session_exited(Pointer session);

    void fuse_session_exit(Pointer session);

    void fuse_session_destroy(Pointer session);

    void fuse_opt_free_args(Pointer args);

    Pointer fuse_req_ctx(Pointer req);

    /**
     * The supplementary groups of the request's calling thread, read by libfuse from
     * /proc/TID/task/TID/status: their number (which may exceed {@code size}), or -errno.
     */
    int fuse_req_getgroups(Pointer req, int size, @Out int[] list);

    int fuse_reply_err(Pointer req, int errno);

    void fuse_reply_none(Pointer req);

    int fuse_reply_entry(Pointer req, Pointer entry);

    int fuse_reply_create(Pointer req, Pointer entry, Pointer fileInfo);

    int fuse_reply_attr(Pointer req, Pointer stat, double attrTimeout);

    int fuse_reply_readlink(Pointer req, Pointer link);

    int fuse_reply_open(Pointer req, Pointer fileInfo);

    int fuse_reply_write(Pointer req, @size_t long count);

    int fuse_reply_buf(Pointer req, Pointer buf, @size_t long size);

    int fuse_reply_data(Pointer req, Pointer bufvec, int flags);

    int fuse_reply_statfs(Pointer req, Pointer statvfs);

    int fuse_reply_xattr(Pointer req, @size_t long count);

    int fuse_lowlevel_notify_inval_inode(Pointer channel, long node, long offset, long length);

    @size_t
    long fuse_add_direntry(Pointer req, Pointer buf, @size_t long bufsize, Pointer name, Pointer stat, long offset);
}
