package dev.dxfs.agent.advice;

import dev.dxfs.agent.runtime.Dispatcher;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;
import net.bytebuddy.asm.Advice;

/**
 * {@code FileSystemProvider.newByteChannel/newFileChannel}: a staged channel opens its temp file
 * ({@code Files.newOutputStream}, {@code Files.write}, {@code FileChannel.open}, ...).
 */
public final class ChannelOpenAdvice {
    private ChannelOpenAdvice() {}

    @Advice.OnMethodEnter
    static Object enter(@Advice.Argument(value = 0, readOnly = false) Path path,
            @Advice.Argument(value = 1, readOnly = false) Set<? extends OpenOption> options) {
        Object staged = Dispatcher.stageChannel(path, options);
        if (staged != null) {
            path = Dispatcher.tempOf(staged);
            options = Dispatcher.tempOptions(options);
        }
        return staged;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit(@Advice.Enter Object staged, @Advice.Return Object channel, @Advice.Thrown Throwable thrown) {
        Dispatcher.channelOpened(staged, thrown == null ? channel : null);
    }
}
