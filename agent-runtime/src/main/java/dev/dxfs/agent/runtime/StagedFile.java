package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One staged write in a JVM: the temp file the tool writes instead of its target, published
 * over the target once, by the policy's commit protocol, when the tool closes it (or drops it,
 * or exits).
 */
final class StagedFile {
    private final Path target;
    private final Path temp;
    private final Commit.Attributes created;
    private volatile Commit.Attributes explicit;
    private final boolean durable;
    /** Whether this JVM runs as root: it may keep owners, and setuid bits, as the kernel would. */
    private final boolean keepOwner;
    private final AtomicBoolean settled = new AtomicBoolean();

    StagedFile(Path target, Path temp, Commit.Attributes created, boolean durable, boolean keepOwner) {
        this.target = target;
        this.temp = temp;
        this.created = created;
        this.durable = durable;
        this.keepOwner = keepOwner;
    }

    Path target() {
        return target;
    }

    Path temp() {
        return temp;
    }

    /**
     * Attributes the published file must have whatever it replaces (negative fields unset): a
     * copy or move publishes what the JDK's own would have made.
     */
    void explicit(Commit.Attributes attributes) {
        explicit = attributes;
    }

    /** Publishes the temp file over the target, the first time only. */
    void publish() throws IOException {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        try {
            Commit.publish(new Steps(), new Commit.Request(explicit, created, durable, keepOwner, keepOwner));
            AgentLog.debug("published " + target);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Drops the temp file unpublished (its open failed), the first time only. */
    void discard() {
        if (settled.compareAndSet(false, true)) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                AgentLog.warn("could not remove " + temp + ": " + e.getMessage());
            }
        }
    }

    /** The commit steps on java.nio's unix attribute view. */
    private final class Steps implements Commit.Steps {
        @Override
        public Commit.Attributes replaced() throws IOException {
            try {
                Map<String, Object> attributes = Files.readAttributes(target, "unix:mode,uid,gid",
                        LinkOption.NOFOLLOW_LINKS);
                return new Commit.Attributes((Integer) attributes.get("mode"), (Integer) attributes.get("uid"),
                        (Integer) attributes.get("gid"));
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        @Override
        public void applyMode(int mode) throws IOException {
            Files.setAttribute(temp, "unix:mode", mode);
        }

        @Override
        public void applyOwner(int uid, int gid) throws IOException {
            Files.setAttribute(temp, "unix:uid", uid);
            Files.setAttribute(temp, "unix:gid", gid);
        }

        @Override
        public void syncTemp() throws IOException {
            sync(temp);
        }

        @Override
        public void replaceTarget() throws IOException {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void syncDirectory() throws IOException {
            sync(target.getParent());
        }

        private static void sync(Path path) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }
}
