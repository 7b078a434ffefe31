package dev.dxfs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.size_t;

/** The C function pointer types of struct fuse_lowlevel_ops, by the shape of their arguments. */
public interface Callbacks {
    public interface Init { @Delegate void call(Pointer userdata, Pointer conn); }
    public interface Entry { @Delegate void call(Pointer req, long parent, Pointer name); }
    public interface Forget { @Delegate void call(Pointer req, long ino, long lookups); }
    public interface WithFile { @Delegate void call(Pointer req, long ino, Pointer fi); }
    public interface SetAttributes {
        @Delegate void call(Pointer req, long ino, Pointer attr, int toSet, Pointer fi);
    }
    public interface Node { @Delegate void call(Pointer req, long ino); }
    public interface MakeNode { @Delegate void call(Pointer req, long parent, Pointer name, int mode, long rdev); }
    public interface MakeDirectory { @Delegate void call(Pointer req, long parent, Pointer name, int mode); }
    public interface MakeSymlink { @Delegate void call(Pointer req, Pointer target, long parent, Pointer name); }
    public interface Rename {
        @Delegate void call(Pointer req, long parent, Pointer name, long newParent, Pointer newName);
    }
    public interface Link { @Delegate void call(Pointer req, long ino, long newParent, Pointer newName); }
    public interface Read {
        @Delegate void call(Pointer req, long ino, @size_t long size, long offset, Pointer fi);
    }
    public interface Write {
        @Delegate void call(Pointer req, long ino, Pointer buf, @size_t long size, long offset, Pointer fi);
    }
    public interface Sync { @Delegate void call(Pointer req, long ino, int dataOnly, Pointer fi); }
    public interface SetXattr {
        @Delegate void call(Pointer req, long ino, Pointer name, Pointer value, @size_t long size, int flags);
    }
    public interface GetXattr { @Delegate void call(Pointer req, long ino, Pointer name, @size_t long size); }
    public interface ListXattr { @Delegate void call(Pointer req, long ino, @size_t long size); }
    public interface RemoveXattr { @Delegate void call(Pointer req, long ino, Pointer name); }
    public interface Create { @Delegate void call(Pointer req, long parent, Pointer name, int mode, Pointer fi); }
    public interface ForgetMulti { @Delegate void call(Pointer req, @size_t long count, Pointer forgets); }
    public interface Allocate {
        @Delegate void call(Pointer req, long ino, int mode, long offset, long length, Pointer fi);
    }
}
