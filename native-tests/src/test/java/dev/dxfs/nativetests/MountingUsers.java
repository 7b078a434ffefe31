package dev.dxfs.nativetests;

import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;

/**
 * The arguments of a test run once per {@link MountingUser}: root, and a user made once for the
 * whole run and removed at its end (JUnit closes what its root store holds).
 */
final class MountingUsers implements ArgumentsProvider {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MountingUsers.class);

    @Override
    public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
        MountingUser user = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Made.class, key -> new Made(MountingUser.unprivileged()), Made.class).user();
        return Stream.of(Arguments.of(MountingUser.ROOT), Arguments.of(user));
    }

    /** The user made for the run, removed when the store is closed. */
    private record Made(MountingUser user) implements AutoCloseable {
        @Override
        public void close() {
            user.remove();
        }
    }
}
