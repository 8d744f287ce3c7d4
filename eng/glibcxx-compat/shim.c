/* GCC 13+ makes every user of <iostream> call std::ios_base_library_init(), exported by libstdc++ under
 * GLIBCXX_3.4.32. Older libstdc++ (Debian 12: 3.4.30) initialises the standard streams from its own static
 * constructor instead, so a no-op with that name and version is all TorchSharp's native binding needs. */
void _ZSt21ios_base_library_initv(void) {}
