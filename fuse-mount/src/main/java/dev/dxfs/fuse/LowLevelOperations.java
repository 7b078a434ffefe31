package dev.dxfs.fuse;

import dev.dxfs.fuse.Callbacks.Allocate;
import dev.dxfs.fuse.Callbacks.Create;
import dev.dxfs.fuse.Callbacks.Entry;
import dev.dxfs.fuse.Callbacks.Forget;
import dev.dxfs.fuse.Callbacks.ForgetMulti;
import dev.dxfs.fuse.Callbacks.GetXattr;
import dev.dxfs.fuse.Callbacks.Init;
import dev.dxfs.fuse.Callbacks.Link;
import dev.dxfs.fuse.Callbacks.ListXattr;
import dev.dxfs.fuse.Callbacks.MakeDirectory;
import dev.dxfs.fuse.Callbacks.MakeNode;
import dev.dxfs.fuse.Callbacks.MakeSymlink;
import dev.dxfs.fuse.Callbacks.Node;
import dev.dxfs.fuse.Callbacks.Read;
import dev.dxfs.fuse.Callbacks.RemoveXattr;
import dev.dxfs.fuse.Callbacks.Rename;
import dev.dxfs.fuse.Callbacks.SetAttributes;
import dev.dxfs.fuse.Callbacks.SetXattr;
import dev.dxfs.fuse.Callbacks.Sync;
import dev.dxfs.fuse.Callbacks.WithFile;
import dev.dxfs.fuse.Callbacks.Write;
import jnr.ffi.Struct;

/**
 * libfuse 2.9's struct fuse_lowlevel_ops, in its order, with each slot bound to a
 * {@link Filesystem}. The slots left empty get libfuse's defaults: locks stay local to the
 * kernel, and access checks are the kernel's (the mount uses default_permissions).
 */
public final class LowLevelOperations extends Struct {
    private static final int FORGET_DATA_SIZE = 16;
    /** struct fuse_conn_info (libfuse 2.9): capable, want, max_background and congestion_threshold. */
    private static final int CONN_CAPABLE = 20;
    private static final int CONN_WANT = 24;
    private static final int CONN_MAX_BACKGROUND = 28;
    /**
     * FUSE_CAP_DONT_MASK: the kernel sends the create mode of create, mknod and mkdir as the
     * caller gave it, with the caller's umask beside it, instead of applying the umask itself.
     * Natively a directory's default ACL takes the umask's place; only the backing filesystem
     * knows whether there is one, so the daemon has it apply the umask (see {@code CallerUmask}).
     */
    private static final int CAP_DONT_MASK = 1 << 6;
    private static final int CONN_CONGESTION_THRESHOLD = 32;
    /**
     * Requests the kernel sends without waiting (RELEASE among them) in flight at once; beyond
     * it they wait in a queue of the kernel's, unnumbered, and a RELEASE held there would reach
     * the daemon after what its closer did next. The default is 12: a build closes more files
     * than that at once. The kernel caps an unprivileged daemon's value (max_user_bgreq).
     */
    private static final int MAX_BACKGROUND = 4096;

    final Function<Init> init = function(Init.class);
    final Pointer destroy = new Pointer();
    final Function<Entry> lookup = function(Entry.class);
    final Function<Forget> forget = function(Forget.class);
    final Function<WithFile> getattr = function(WithFile.class);
    final Function<SetAttributes> setattr = function(SetAttributes.class);
    final Function<Node> readlink = function(Node.class);
    final Function<MakeNode> mknod = function(MakeNode.class);
    final Function<MakeDirectory> mkdir = function(MakeDirectory.class);
    final Function<Entry> unlink = function(Entry.class);
    final Function<Entry> rmdir = function(Entry.class);
    final Function<MakeSymlink> symlink = function(MakeSymlink.class);
    final Function<Rename> rename = function(Rename.class);
    final Function<Link> link = function(Link.class);
    final Function<WithFile> open = function(WithFile.class);
    final Function<Read> read = function(Read.class);
    final Function<Write> write = function(Write.class);
    final Function<WithFile> flush = function(WithFile.class);
    final Function<WithFile> release = function(WithFile.class);
    final Function<Sync> fsync = function(Sync.class);
    final Function<WithFile> opendir = function(WithFile.class);
    final Function<Read> readdir = function(Read.class);
    final Function<WithFile> releasedir = function(WithFile.class);
    final Function<Sync> fsyncdir = function(Sync.class);
    final Function<Node> statfs = function(Node.class);
    final Function<SetXattr> setxattr = function(SetXattr.class);
    final Function<GetXattr> getxattr = function(GetXattr.class);
    final Function<ListXattr> listxattr = function(ListXattr.class);
    final Function<RemoveXattr> removexattr = function(RemoveXattr.class);
    final Pointer access = new Pointer();
    final Function<Create> create = function(Create.class);
    final Pointer getlk = new Pointer();
    final Pointer setlk = new Pointer();
    final Pointer bmap = new Pointer();
    final Pointer ioctl = new Pointer();
    final Pointer poll = new Pointer();
    final Pointer writeBuf = new Pointer();
    final Pointer retrieveReply = new Pointer();
    final Function<ForgetMulti> forgetMulti = function(ForgetMulti.class);
    final Pointer flock = new Pointer();
    final Function<Allocate> fallocate = function(Allocate.class);

    private LowLevelOperations() {
        super(Request.RUNTIME);
        useMemory(jnr.ffi.Memory.allocateDirect(Request.RUNTIME, Struct.size(this), true));
    }

    /** The operations table for {@code fs}; it must stay reachable while the session runs. */
    static LowLevelOperations of(Filesystem fs, KernelCache kernel) {
        LowLevelOperations ops = new LowLevelOperations();
        ops.init.set((userdata, conn) -> {
            conn.putInt(CONN_WANT, conn.getInt(CONN_WANT) | conn.getInt(CONN_CAPABLE) & CAP_DONT_MASK);
            conn.putInt(CONN_MAX_BACKGROUND, MAX_BACKGROUND);
            conn.putInt(CONN_CONGESTION_THRESHOLD, MAX_BACKGROUND * 3 / 4);
            fs.init(kernel);
        });
        ops.lookup.set((req, parent, name) -> fs.lookup(new LibfuseRequest(req), parent, Names.of(name)));
        ops.forget.set((req, ino, lookups) -> {
            fs.forget(ino, lookups);
            FuseLib.F.fuse_reply_none(req);
        });
        ops.forgetMulti.set((req, count, forgets) -> {
            for (long i = 0; i < count; i++) {
                fs.forget(forgets.getLong(i * FORGET_DATA_SIZE), forgets.getLong(i * FORGET_DATA_SIZE + 8));
            }
            FuseLib.F.fuse_reply_none(req);
        });
        ops.getattr.set((req, ino, fi) -> fs.getattr(new LibfuseRequest(req), ino, LibfuseFileInfo.orNull(fi)));
        ops.setattr.set((req, ino, attr, toSet, fi) ->
                fs.setattr(new LibfuseRequest(req), ino, attr, toSet, LibfuseFileInfo.orNull(fi)));
        ops.readlink.set((req, ino) -> fs.readlink(new LibfuseRequest(req), ino));
        ops.mknod.set((req, parent, name, mode, rdev) -> fs.mknod(new LibfuseRequest(req), parent, Names.of(name), mode, rdev));
        ops.mkdir.set((req, parent, name, mode) -> fs.mkdir(new LibfuseRequest(req), parent, Names.of(name), mode));
        ops.unlink.set((req, parent, name) -> fs.unlink(new LibfuseRequest(req), parent, Names.of(name)));
        ops.rmdir.set((req, parent, name) -> fs.rmdir(new LibfuseRequest(req), parent, Names.of(name)));
        ops.symlink.set((req, target, parent, name) ->
                fs.symlink(new LibfuseRequest(req), Names.of(target), parent, Names.of(name)));
        ops.rename.set((req, parent, name, newParent, newName) ->
                fs.rename(new LibfuseRequest(req), parent, Names.of(name), newParent, Names.of(newName), 0));
        ops.link.set((req, ino, newParent, newName) -> fs.link(new LibfuseRequest(req), ino, newParent, Names.of(newName)));
        ops.open.set((req, ino, fi) -> fs.open(new LibfuseRequest(req), ino, new LibfuseFileInfo(fi)));
        ops.create.set((req, parent, name, mode, fi) ->
                fs.create(new LibfuseRequest(req), parent, Names.of(name), mode, new LibfuseFileInfo(fi)));
        ops.read.set((req, ino, size, offset, fi) -> fs.read(new LibfuseRequest(req), ino, size, offset, new LibfuseFileInfo(fi)));
        ops.write.set((req, ino, buf, size, offset, fi) ->
                fs.write(new LibfuseRequest(req), ino, buf, size, offset, new LibfuseFileInfo(fi)));
        ops.flush.set((req, ino, fi) -> fs.flush(new LibfuseRequest(req), ino, new LibfuseFileInfo(fi)));
        ops.release.set((req, ino, fi) -> fs.release(new LibfuseRequest(req), ino, new LibfuseFileInfo(fi)));
        ops.fsync.set((req, ino, dataOnly, fi) -> fs.fsync(new LibfuseRequest(req), ino, dataOnly != 0, new LibfuseFileInfo(fi)));
        ops.fallocate.set((req, ino, mode, offset, length, fi) ->
                fs.fallocate(new LibfuseRequest(req), ino, mode, offset, length, new LibfuseFileInfo(fi)));
        ops.opendir.set((req, ino, fi) -> fs.opendir(new LibfuseRequest(req), ino, new LibfuseFileInfo(fi)));
        ops.readdir.set((req, ino, size, offset, fi) ->
                fs.readdir(new LibfuseRequest(req), ino, size, offset, new LibfuseFileInfo(fi)));
        ops.releasedir.set((req, ino, fi) -> fs.releasedir(new LibfuseRequest(req), ino, new LibfuseFileInfo(fi)));
        ops.fsyncdir.set((req, ino, dataOnly, fi) ->
                fs.fsyncdir(new LibfuseRequest(req), ino, dataOnly != 0, new LibfuseFileInfo(fi)));
        ops.statfs.set((req, ino) -> fs.statfs(new LibfuseRequest(req), ino));
        ops.setxattr.set((req, ino, name, value, size, flags) ->
                fs.setxattr(new LibfuseRequest(req), ino, Names.of(name), value, size, flags));
        ops.getxattr.set((req, ino, name, size) -> fs.getxattr(new LibfuseRequest(req), ino, Names.of(name), size));
        ops.listxattr.set((req, ino, size) -> fs.listxattr(new LibfuseRequest(req), ino, size));
        ops.removexattr.set((req, ino, name) -> fs.removexattr(new LibfuseRequest(req), ino, Names.of(name)));
        return ops;
    }

    jnr.ffi.Pointer memory() {
        return Struct.getMemory(this);
    }

    long size() {
        return Struct.size(this);
    }
}
