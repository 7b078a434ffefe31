package dev.dxfs.nativetests;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the model test's sequences did, by operation kind: how many calls both roots answered
 * alike with success or with an error, how many were skipped and why, and how many mappings the
 * mount refused. It shows that a green run exercised every kind of call, and both outcomes.
 */
final class ModelTally {
    private final Map<String, long[]> byKind = new TreeMap<>();
    private final Map<String, Long> skips = new TreeMap<>();
    private long mmapFallbacks;

    private static final int SUCCEEDED = 0;
    private static final int FAILED = 1;

    /** Adds one sequence: its operations and fsmodel's answers, one per operation (then the final checks). */
    synchronized void add(List<String> operations, List<String> answers) {
        for (int i = 0; i < Math.min(operations.size(), answers.size()); i++) {
            String kind = operations.get(i).split(" ", 2)[0];
            String answer = answers.get(i);
            if (answer.startsWith("skip ")) {
                skips.merge(answer.substring(5), 1L, Long::sum);
            } else if (answer.startsWith("same ") || answer.startsWith("mmap-fallback ")) {
                byKind.computeIfAbsent(kind, k -> new long[2])[answer.contains(" err ") ? FAILED : SUCCEEDED]++;
                if (answer.startsWith("mmap-fallback ")) {
                    mmapFallbacks++;
                }
            }
        }
    }

    synchronized long compared() {
        return byKind.values().stream().mapToLong(counts -> counts[SUCCEEDED] + counts[FAILED]).sum();
    }

    synchronized long skipped() {
        return skips.values().stream().mapToLong(Long::longValue).sum();
    }

    synchronized Set<String> kindsSucceeded() {
        return byKind.entrySet().stream().filter(entry -> entry.getValue()[SUCCEEDED] > 0).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toSet());
    }

    @Override
    public synchronized String toString() {
        StringBuilder text = new StringBuilder();
        text.append(compared()).append(" operations answered alike (kind: succeeded/failed)");
        byKind.forEach((kind, counts) -> text.append(' ').append(kind).append(' ').append(counts[SUCCEEDED])
                .append('/').append(counts[FAILED]));
        text.append("; ").append(skipped()).append(" skipped ").append(skips);
        text.append("; ").append(mmapFallbacks).append(" shared mappings refused by the mount (pwrite or pread fallback)");
        return text.toString();
    }
}
