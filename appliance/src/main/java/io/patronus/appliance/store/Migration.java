package io.patronus.appliance.store;

import org.mapdb.DB;

import java.util.function.Consumer;

/** One step of the store's schema history: from {@code version - 1} to {@code version}. */
public record Migration(int version, String description, Consumer<DB> step) {
}
