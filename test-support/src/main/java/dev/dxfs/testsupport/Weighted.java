package dev.dxfs.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A choice among values, each as often as its weight says: how a generator makes some
 * operations more frequent than others. The values are often generators themselves, say
 * {@code Function<SplittableRandom, String>}, one for each kind of operation.
 */
public final class Weighted<T> {
    private final List<T> values = new ArrayList<>();
    private final List<Integer> upperBounds = new ArrayList<>();
    private int total;

    /** Adds {@code value}, picked {@code weight} times in (sum of all weights). */
    public Weighted<T> or(int weight, T value) {
        if (weight <= 0) {
            throw new IllegalArgumentException("weight " + weight + " of " + value);
        }
        total = Math.addExact(total, weight);
        values.add(value);
        upperBounds.add(total);
        return this;
    }

    public T pick(SplittableRandom random) {
        if (total == 0) {
            throw new IllegalStateException("nothing to pick from");
        }
        int ticket = random.nextInt(total);
        int i = 0;
        while (ticket >= upperBounds.get(i)) {
            i++;
        }
        return values.get(i);
    }

    /** One of {@code values}, all equally likely. */
    public static <T> T oneOf(SplittableRandom random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
