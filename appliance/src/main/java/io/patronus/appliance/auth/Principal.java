package io.patronus.appliance.auth;

import io.patronus.model.Role;

/** Who is making an API call, as proven by their token. */
public record Principal(String username, Role role) {
}
