package dev.dxfs.agent.runtime;

import java.io.File;
import java.nio.file.AccessMode;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The checks a {@code SecurityManager} (JDK 17 and earlier) makes of a caller in the JDK
 * methods the agent answers for. The agent's own file operations run with its own rights
 * ({@link Guard}): so that a tool never gains rights by the agent, a call the agent answers is
 * first checked here, in the caller's context, as the JDK's method would check it, and fails
 * with the same {@code SecurityException}. {@code FileOutputStream} and {@code RandomAccessFile}
 * check in their constructors, before the hooked {@code open}.
 */
@SuppressWarnings("removal")
final class CallerChecks {
    private CallerChecks() {}

    /** A channel open: read, write and delete-on-close access to {@code path}, as its options ask. */
    static void channel(Path path, Set<? extends OpenOption> options) {
        SecurityManager security = System.getSecurityManager();
        if (security == null) {
            return;
        }
        boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
        if (options.contains(StandardOpenOption.READ) || !write) {
            security.checkRead(path.toString());
        }
        if (write) {
            security.checkWrite(path.toString());
        }
        if (options.contains(StandardOpenOption.DELETE_ON_CLOSE)) {
            security.checkDelete(path.toString());
        }
    }

    /** A copy: read access to the source, write access to the target. */
    static void copy(Path source, Path target) {
        SecurityManager security = System.getSecurityManager();
        if (security != null) {
            security.checkRead(source.toString());
            security.checkWrite(target.toString());
        }
    }

    /** A move or rename: write access to both names. */
    static void move(String source, String target) {
        SecurityManager security = System.getSecurityManager();
        if (security != null) {
            security.checkWrite(source);
            security.checkWrite(target);
        }
    }

    /** A write of {@code target} (a copy from a stream). */
    static void write(Path target) {
        SecurityManager security = System.getSecurityManager();
        if (security != null) {
            security.checkWrite(target.toString());
        }
    }

    /** A read of {@code path}, or of its attributes. */
    static void read(String path) {
        SecurityManager security = System.getSecurityManager();
        if (security != null) {
            security.checkRead(path);
        }
    }

    /** {@code checkAccess(path, modes)}: read access, and write or execute access as asked. */
    static void access(String path, AccessMode... modes) {
        SecurityManager security = System.getSecurityManager();
        if (security == null) {
            return;
        }
        security.checkRead(path);
        for (AccessMode mode : modes) {
            if (mode == AccessMode.WRITE) {
                security.checkWrite(path);
            } else if (mode == AccessMode.EXECUTE) {
                security.checkExec(path);
            }
        }
    }

    /** A delete of {@code path}. */
    static void delete(String path) {
        SecurityManager security = System.getSecurityManager();
        if (security != null) {
            security.checkDelete(path);
        }
    }

    /** A rename of a {@code File}. */
    static void rename(File source, File target) {
        move(source.getPath(), target.getPath());
    }
}
