package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import jnr.ffi.Pointer;

/** A user's name as the system's user database (passwd, LDAP, ...) gives it, for messages. */
final class UserName {
    private UserName() {}

    /** The name of {@code uid}, or "uid N" when the database has none. */
    static String of(int uid) {
        Pointer entry = Libc.C.getpwuid(uid);
        Pointer name = entry == null ? null : entry.getPointer(0);
        return name == null ? "uid " + uid : name.getString(0);
    }

    /** The user for a message: "name (uid N)". */
    static String describe(int uid) {
        String name = of(uid);
        return name.equals("uid " + uid) ? name : name + " (uid " + uid + ")";
    }
}
