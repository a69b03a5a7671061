/* Prints the directory libcryptsetup loads token plugins from (compiled into the library). */
#include <libcryptsetup.h>
#include <stdio.h>

int main(void) {
        const char *dir = crypt_token_external_path();

        if (!dir)
                return 1; /* built without external token support */
        fputs(dir, stdout);
        return 0;
}
