/** Implementation details of the compiler (time tables, fingerprints). Not an API. */
package io.tollgate.policy.internal;
