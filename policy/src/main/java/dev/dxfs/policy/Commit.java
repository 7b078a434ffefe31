package dev.dxfs.policy;

import java.io.IOException;
import java.util.function.IntPredicate;

/**
 * The commit protocol: how a finished temp file becomes the published file. The order is fixed
 * here for both adapters; each adapter supplies the primitive steps for its kind of handle.
 *
 * <ol>
 *   <li>Decide the published mode and owner: an explicit chmod/chown made through the writer's
 *       handle wins; otherwise those of the file being replaced; otherwise the create mode and
 *       the creator.
 *   <li>Apply them to the temp file: the owner, then the extended attributes of the file being
 *       replaced (its POSIX ACL, {@code user.*}, {@code trusted.*}, {@code security.*} but file
 *       capabilities: what a native in-place rewrite keeps, see {@link #keptByARewrite}), then
 *       the mode. A chown clears setuid bits; an access ACL sets the mode's group bits from its
 *       mask, and a chmod after it sets the mask from the mode, so the mode, applied last, is the
 *       one decided in step 1 and the ACL stays consistent with it. The published file never has
 *       a moment with the temp file's private 0600 mode.
 *   <li>With durability on, fsync the temp file.
 *   <li>rename(2) the temp file over the target (a temp file without a name gets one first):
 *       readers see the old or the new version, never a mix; concurrent commits serialize in
 *       the kernel and the last rename wins.
 *   <li>With durability on, fsync the target's directory so the rename survives a power cut.
 * </ol>
 */
public final class Commit {
    private static final int PERMISSION_BITS = 07777;
    private static final int SET_UID = 04000;
    private static final int SET_GID = 02000;
    private static final int GROUP_EXECUTE = 010;
    /** File capabilities: the kernel removes them when a file is written, even by root. */
    private static final String FILE_CAPABILITIES = "security.capability";

    /** The attributes of a file that the commit needs. */
    public record Attributes(int mode, int uid, int gid) {}

    /** What one adapter does for each step. */
    public interface Steps {
        /** The attributes of the file at the target now, or null when there is none. */
        Attributes replaced() throws IOException;

        void applyMode(int mode) throws IOException;

        void applyOwner(int uid, int gid) throws IOException;

        /**
         * Gives the temp file the extended attributes of the file being replaced, those
         * {@link #keptByARewrite} names, read from the descriptor {@link #replaced} read its
         * attributes from, never by a name; and the replaced file's POSIX access ACL, or none
         * when it has none (the temp file may have one from its directory's default ACL). Called
         * only when a file is replaced. An adapter that cannot does nothing: the new version then
         * has only the attributes it was created with.
         */
        default void keepExtendedAttributes() throws IOException {}

        void syncTemp() throws IOException;

        void replaceTarget() throws IOException;

        void syncDirectory() throws IOException;
    }

    /**
     * What the writer asked for while it wrote.
     *
     * @param explicit attributes set through the writer's own handle (chmod/chown), or null;
     *     a negative field was not set and keeps the value of the replaced or created file
     * @param created the create mode and creator, used when the target does not exist
     * @param durable whether to fsync the file and its directory
     * @param keepOwner whether ownership is carried over (only a privileged daemon can)
     * @param keepSetId whether the replaced file's setuid and setgid bits are all carried over:
     *     for a privileged writer, as the kernel keeps them when such a writer writes a file
     * @param inGroup whether the writer is in a group (by gid): a writer without privilege keeps a
     *     setgid bit without group execute on a file of a group it is in, as natively
     */
    public record Request(Attributes explicit, Attributes created, boolean durable, boolean keepOwner,
            boolean keepSetId, IntPredicate inGroup) {}

    private Commit() {}

    /** Publishes the temp file; returns the attributes it was published with. */
    public static Attributes publish(Steps steps, Request request) throws IOException {
        Attributes replaced = steps.replaced();
        Attributes published = attributes(replaced, request);
        // Owner first: a chown clears the setuid and setgid bits, even root's.
        if (request.keepOwner()) {
            steps.applyOwner(published.uid(), published.gid());
        }
        // Before the mode: setting an ACL sets the mode's group bits, a chmod sets the ACL's mask.
        if (replaced != null) {
            steps.keepExtendedAttributes();
        }
        steps.applyMode(published.mode() & PERMISSION_BITS);
        if (request.durable()) {
            steps.syncTemp();
        }
        steps.replaceTarget();
        if (request.durable()) {
            steps.syncDirectory();
        }
        return published;
    }

    /**
     * Whether a new version keeps the replaced file's extended attribute {@code name}: a native
     * rewrite (O_TRUNC, or writes in place) keeps the inode and so every attribute, except file
     * capabilities, which the kernel removes at the first write or truncate, whoever writes.
     */
    public static boolean keptByARewrite(String name) {
        return !name.equals(FILE_CAPABILITIES);
    }

    /**
     * The attributes a publish gives the file, when {@code replaced} holds those of the file it
     * replaces (null: none). The writer's own view of its file shows them before the publish.
     */
    public static Attributes attributes(Attributes replaced, Request request) {
        if (replaced != null && !request.keepSetId()) {
            replaced = new Attributes(replaced.mode() & ~clearedByAWrite(replaced, request.inGroup()),
                    replaced.uid(), replaced.gid());
        }
        return overlay(request.explicit(), replaced != null ? replaced : request.created());
    }

    /**
     * The set-id bits the kernel clears when a writer without privilege (CAP_FSETID) writes or
     * truncates {@code file}: setuid always; setgid where it marks a program (group execute), or
     * where the writer is not in the file's group (setattr_should_drop_suidgid). A setgid bit
     * without group execute marks no program (it once meant mandatory locking).
     */
    private static int clearedByAWrite(Attributes file, IntPredicate inGroup) {
        boolean marksProgram = (file.mode() & GROUP_EXECUTE) != 0;
        return SET_UID | (marksProgram || !inGroup.test(file.gid()) ? SET_GID : 0);
    }

    /**
     * The set-id bits a chown clears from {@code mode}, whoever makes it: setuid always, setgid
     * where it marks a program (group execute), as the kernel's FUSE layer clears them for a
     * filesystem that leaves the clearing to the kernel.
     */
    public static int clearedByAChown(int mode) {
        return mode & (SET_UID | ((mode & GROUP_EXECUTE) != 0 ? SET_GID : 0));
    }

    private static Attributes overlay(Attributes explicit, Attributes base) {
        if (explicit == null) {
            return base;
        }
        return new Attributes(
                explicit.mode() >= 0 ? explicit.mode() : base.mode(),
                explicit.uid() >= 0 ? explicit.uid() : base.uid(),
                explicit.gid() >= 0 ? explicit.gid() : base.gid());
    }
}
