/* Marks one version requirement of an ELF shared object weak (VER_FLG_WEAK in .gnu.version_r), in place.
 * A weak requirement that the system library lacks no longer stops the dynamic loader; the symbol itself
 * is then supplied by the shim. Offsets come from the section headers, never hard-coded.
 * usage: weaken FILE VERSION    exit 0: patched or already weak; 3: FILE does not require VERSION. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *file, const char *what) { fprintf(stderr, "weaken: %s: %s\n", file, what); return 2; }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: weaken FILE VERSION\n"); return 2; }
    const char *file = argv[1], *want = argv[2];
    int fd = open(file, O_RDWR);
    if (fd < 0) return fail(file, "cannot open for writing");
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) return fail(file, "too small for ELF");
    size_t size = (size_t)st.st_size;
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail(file, "mmap failed");
    Elf64_Ehdr *eh = (Elf64_Ehdr *)p;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
        return fail(file, "not a 64-bit ELF file");
    if (eh->e_shoff == 0 || eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
        return fail(file, "section headers out of range");
    Elf64_Shdr *sh = (Elf64_Shdr *)(p + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        if (sh[i].sh_link >= eh->e_shnum) return fail(file, "bad sh_link");
        Elf64_Shdr *strs = &sh[sh[i].sh_link];
        size_t off = sh[i].sh_offset;
        for (unsigned n = 0; n < sh[i].sh_info; n++) {
            if (off + sizeof(Elf64_Verneed) > size) return fail(file, "verneed out of range");
            Elf64_Verneed *vn = (Elf64_Verneed *)(p + off);
            size_t aoff = off + vn->vn_aux;
            for (unsigned a = 0; a < vn->vn_cnt; a++) {
                if (aoff + sizeof(Elf64_Vernaux) > size) return fail(file, "vernaux out of range");
                Elf64_Vernaux *va = (Elf64_Vernaux *)(p + aoff);
                if (strs->sh_offset + va->vna_name >= size) return fail(file, "name out of range");
                const char *name = (const char *)(p + strs->sh_offset + va->vna_name);
                if (strcmp(name, want) == 0) {
                    va->vna_flags |= VER_FLG_WEAK;
                    msync(p, size, MS_SYNC);
                    printf("weaken: %s: %s is now a weak requirement\n", file, want);
                    return 0;
                }
                if (va->vna_next == 0) break;
                aoff += va->vna_next;
            }
            if (vn->vn_next == 0) break;
            off += vn->vn_next;
        }
    }
    fprintf(stderr, "weaken: %s: does not require %s\n", file, want);
    return 3;
}
