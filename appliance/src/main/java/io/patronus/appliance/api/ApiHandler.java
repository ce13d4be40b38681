package io.patronus.appliance.api;

/** Handles one API call; throw {@link ApiException} for an error answer. */
@FunctionalInterface
public interface ApiHandler {
    Reply handle(ApiRequest request) throws Exception;
}
