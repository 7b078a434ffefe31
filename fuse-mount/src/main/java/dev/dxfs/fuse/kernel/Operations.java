package dev.dxfs.fuse.kernel;

import static dev.dxfs.fuse.kernel.Protocol.IN_HEADER;

import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.KernelCache;
import java.nio.ByteBuffer;
import java.util.function.Function;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opcode table: reads each request's struct and hands it to the {@link Filesystem}, as
 * libfuse 2's low-level layer does, field for field. Requests the filesystem has no call for
 * are answered ENOSYS, which the kernel takes as "not supported" and does not send again.
 */
final class Operations {
    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);
    private static final int EIO = 5;
    private static final int ENOSYS = 38;
    private static final int EPROTO = 71;
    private static final int FORGET_FIRST = 8;
    // struct stat (x86-64), where a SETATTR's values are handed over
    private static final int ST_MODE = 24;
    private static final int ST_UID = 28;
    private static final int ST_GID = 32;
    private static final int ST_SIZE = 48;
    private static final int ST_ATIME = 72;
    private static final int ST_MTIME = 88;

    private final Filesystem fs;
    private final int maxWrite;
    private final Function<Negotiation, KernelCache> kernel;
    private final Runnable end;
    private volatile boolean initialized;

    /** @param kernel the kernel's cache as the agreed protocol lets the daemon reach it */
    Operations(Filesystem fs, int maxWrite, Function<Negotiation, KernelCache> kernel, Runnable end) {
        this.fs = fs;
        this.maxWrite = maxWrite;
        this.kernel = kernel;
        this.end = end;
    }

    /** Handles the request in the worker's buffer; it is answered before this returns, if at all. */
    void handle(Worker worker) {
        ByteBuffer in = worker.in;
        KernelRequest req = worker.reply;
        req.begin(in);
        int opcode = in.getInt(Protocol.IN_OPCODE);
        try {
            if (!initialized && opcode != Protocol.INIT) {
                req.error(EIO);
                return;
            }
            dispatch(worker, in, req, opcode, in.getLong(Protocol.IN_NODEID));
        } catch (RuntimeException | Error e) {
            LOG.error("request {} (opcode {}) failed", req.unique(), opcode, e);
            if (!req.answered() && opcode != Protocol.FORGET && opcode != Protocol.BATCH_FORGET) {
                req.error(EIO);
            }
        }
    }

    private void dispatch(Worker worker, ByteBuffer in, KernelRequest req, int opcode, long node) {
        KernelFileInfo file = worker.file;
        int at = IN_HEADER;
        switch (opcode) {
            case Protocol.LOOKUP -> fs.lookup(req, node, worker.name(at));
            case Protocol.FORGET -> fs.forget(node, in.getLong(at));
            case Protocol.BATCH_FORGET -> {
                int count = in.getInt(at);
                for (int i = 0; i < count; i++) {
                    int one = at + FORGET_FIRST + i * Protocol.FORGET_ONE_SIZE;
                    fs.forget(in.getLong(one), in.getLong(one + 8));
                }
            }
            case Protocol.GETATTR -> fs.getattr(req, node, statHandle(file, in, at));
            // The kernel asks every basic stat and the birth time, with no sync flag, whatever
            // the caller asked: it keeps the answer for everyone.
            case Protocol.STATX -> fs.statx(req, node, statHandle(file, in, at));
            case Protocol.SETATTR -> setattr(worker, in, req, node);
            case Protocol.READLINK -> fs.readlink(req, node);
            case Protocol.SYMLINK -> {
                int target = at + worker.nameLength(at) + 1;
                fs.symlink(req, worker.name(target), node, worker.name(at));
            }
            case Protocol.MKNOD -> {
                req.umask(in.getInt(at + 8));
                fs.mknod(req, node, worker.name(at + Protocol.MKNOD_IN_SIZE), in.getInt(at),
                        Integer.toUnsignedLong(in.getInt(at + 4)));
            }
            case Protocol.MKDIR -> {
                req.umask(in.getInt(at + 4));
                fs.mkdir(req, node, worker.name(at + Protocol.MKDIR_IN_SIZE), in.getInt(at));
            }
            case Protocol.UNLINK -> fs.unlink(req, node, worker.name(at));
            case Protocol.RMDIR -> fs.rmdir(req, node, worker.name(at));
            case Protocol.RENAME -> rename(worker, in, req, node, Protocol.RENAME_IN_SIZE, 0);
            case Protocol.RENAME2 -> rename(worker, in, req, node, Protocol.RENAME2_IN_SIZE,
                    in.getInt(at + Protocol.RENAME2_FLAGS));
            case Protocol.LINK -> fs.link(req, in.getLong(at), node, worker.name(at + Protocol.LINK_IN_SIZE));
            case Protocol.OPEN -> fs.open(req, node, file.reset(0, in.getInt(at)).regularFile());
            case Protocol.CREATE -> {
                req.umask(in.getInt(at + 8));
                fs.create(req, node, worker.name(at + Protocol.CREATE_IN_SIZE), in.getInt(at + 4),
                        file.reset(0, in.getInt(at)).regularFile());
            }
            // struct fuse_create_in as a CREATE's, then the name "/", which names nothing.
            case Protocol.TMPFILE -> {
                req.umask(in.getInt(at + 8));
                fs.tmpfile(req, node, in.getInt(at + 4), file.reset(0, in.getInt(at)).regularFile());
            }
            case Protocol.READ -> fs.read(req, node, Integer.toUnsignedLong(in.getInt(at + Protocol.IO_SIZE)),
                    in.getLong(at + Protocol.IO_OFFSET), io(file, in, at));
            case Protocol.WRITE -> fs.write(req, node, worker.writeData,
                    Integer.toUnsignedLong(in.getInt(at + Protocol.IO_SIZE)), in.getLong(at + Protocol.IO_OFFSET),
                    io(file, in, at).writeFlags(in.getInt(at + Protocol.WRITE_FLAGS)));
            case Protocol.STATFS -> fs.statfs(req, node);
            case Protocol.RELEASE -> {
                // Before the filesystem may hand the handle's number to a new open.
                worker.backingFiles.released(in.getLong(at));
                fs.release(req, node, released(file, in, at));
            }
            case Protocol.FSYNC -> fs.fsync(req, node, dataOnly(in, at), file.reset(in.getLong(at), 0));
            case Protocol.SETXATTR -> {
                int name = at + Protocol.XATTR_IN_SIZE;
                int value = name + worker.nameLength(name) + 1;
                fs.setxattr(req, node, worker.name(name), worker.request.slice(value),
                        Integer.toUnsignedLong(in.getInt(at)), in.getInt(at + 4));
            }
            case Protocol.GETXATTR -> fs.getxattr(req, node, worker.name(at + Protocol.XATTR_IN_SIZE),
                    Integer.toUnsignedLong(in.getInt(at)));
            case Protocol.LISTXATTR -> fs.listxattr(req, node, Integer.toUnsignedLong(in.getInt(at)));
            case Protocol.REMOVEXATTR -> fs.removexattr(req, node, worker.name(at));
            case Protocol.FLUSH -> fs.flush(req, node, file.reset(in.getLong(at), 0));
            case Protocol.INIT -> init(worker, in, req);
            case Protocol.OPENDIR -> fs.opendir(req, node, file.reset(0, in.getInt(at)));
            case Protocol.READDIR -> fs.readdir(req, node, Integer.toUnsignedLong(in.getInt(at + Protocol.IO_SIZE)),
                    in.getLong(at + Protocol.IO_OFFSET), io(file, in, at));
            case Protocol.RELEASEDIR -> fs.releasedir(req, node, released(file, in, at));
            case Protocol.FSYNCDIR -> fs.fsyncdir(req, node, dataOnly(in, at), file.reset(in.getLong(at), 0));
            case Protocol.FALLOCATE -> fs.fallocate(req, node, in.getInt(at + Protocol.FALLOCATE_MODE),
                    in.getLong(at + Protocol.FALLOCATE_OFFSET), in.getLong(at + Protocol.FALLOCATE_LENGTH),
                    file.reset(in.getLong(at), 0));
            case Protocol.COPY_FILE_RANGE -> fs.copyFileRange(req, node, in.getLong(at),
                    in.getLong(at + Protocol.COPY_OFFSET_IN), in.getLong(at + Protocol.COPY_NODE_OUT),
                    in.getLong(at + Protocol.COPY_FH_OUT), in.getLong(at + Protocol.COPY_OFFSET_OUT),
                    in.getLong(at + Protocol.COPY_LENGTH));
            case Protocol.LSEEK -> fs.lseek(req, node, in.getLong(at + Protocol.LSEEK_OFFSET),
                    in.getInt(at + Protocol.LSEEK_WHENCE), file.reset(in.getLong(at), 0));
            // The filesystem cannot stop a request midway: the interrupted one is answered in time.
            case Protocol.INTERRUPT -> { }
            case Protocol.DESTROY -> {
                req.ok();
                end.run();
            }
            default -> req.error(ENOSYS);
        }
    }

    /** A RENAME or RENAME2: the new directory, then {@code size} bytes on, the old and the new name. */
    private void rename(Worker worker, ByteBuffer in, KernelRequest req, long node, int size, int flags) {
        int name = IN_HEADER + size;
        fs.rename(req, node, worker.name(name), in.getLong(IN_HEADER), worker.name(name + worker.nameLength(name) + 1),
                flags);
    }

    /** The handle a GETATTR or STATX names (FUSE_GETATTR_FH), or null. */
    private static KernelFileInfo statHandle(KernelFileInfo file, ByteBuffer in, int at) {
        return (in.getInt(at + Protocol.GETATTR_FLAGS) & Protocol.GETATTR_FLAG_FH) != 0
                ? file.reset(in.getLong(at + Protocol.GETATTR_FH), 0) : null;
    }

    /** A read's or write's handle and open flags (struct fuse_read_in, fuse_write_in). */
    private static KernelFileInfo io(KernelFileInfo file, ByteBuffer in, int at) {
        return file.reset(in.getLong(at + Protocol.IO_FH), in.getInt(at + Protocol.IO_FLAGS));
    }

    private static KernelFileInfo released(KernelFileInfo file, ByteBuffer in, int at) {
        return file.reset(in.getLong(at), in.getInt(at + Protocol.RELEASE_FLAGS));
    }

    private static boolean dataOnly(ByteBuffer in, int at) {
        return (in.getInt(at + Protocol.FSYNC_FLAGS) & Protocol.FSYNC_FDATASYNC) != 0;
    }

    /** Hands a SETATTR's values over in a struct stat, with the FATTR bits that say which are set. */
    private void setattr(Worker worker, ByteBuffer in, KernelRequest req, long node) {
        int at = IN_HEADER;
        int valid = in.getInt(at + Protocol.SETATTR_VALID);
        Pointer attr = worker.attr;
        attr.putInt(ST_MODE, in.getInt(at + Protocol.SETATTR_MODE));
        attr.putInt(ST_UID, in.getInt(at + Protocol.SETATTR_UID));
        attr.putInt(ST_GID, in.getInt(at + Protocol.SETATTR_GID));
        attr.putLong(ST_SIZE, in.getLong(at + Protocol.SETATTR_SIZE));
        attr.putLong(ST_ATIME, in.getLong(at + Protocol.SETATTR_ATIME));
        attr.putLong(ST_ATIME + 8, Integer.toUnsignedLong(in.getInt(at + Protocol.SETATTR_ATIMENSEC)));
        attr.putLong(ST_MTIME, in.getLong(at + Protocol.SETATTR_MTIME));
        attr.putLong(ST_MTIME + 8, Integer.toUnsignedLong(in.getInt(at + Protocol.SETATTR_MTIMENSEC)));
        KernelFileInfo file = (valid & Protocol.FATTR_FH) != 0
                ? worker.file.reset(in.getLong(at + Protocol.SETATTR_FH), 0) : null;
        fs.setattr(req, node, attr, valid & Protocol.FATTR_HANDED_ON, file);
    }

    private void init(Worker worker, ByteBuffer in, KernelRequest req) {
        Negotiation agreed;
        try {
            agreed = Negotiation.answer(in, IN_HEADER, req.initAnswer(), maxWrite);
        } catch (IllegalStateException e) {
            LOG.error("{}", e.getMessage());
            req.error(EPROTO);
            end.run();
            return;
        }
        if (agreed == null) {
            req.answerInit(8);
            return;
        }
        LOG.info("FUSE protocol 7.{} (the kernel offers 7.{}), features {} and {} (flags2)", agreed.minor(),
                in.getInt(IN_HEADER + Protocol.INIT_MINOR), Integer.toHexString(agreed.flags()),
                Integer.toHexString(agreed.flags2()));
        if (agreed.passthrough()) {
            worker.backingFiles.enable();
        }
        initialized = true;
        fs.init(kernel.apply(agreed));
        req.answerInit(agreed.answerSize());
    }
}
