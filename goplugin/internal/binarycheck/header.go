// Package binarycheck finds native files in an installed requirements set (or a vendor folder)
// that cannot load on a function's Lambda target: ELF files of another machine or class, and
// macOS (Mach-O) or Windows (PE) binaries. It reads only each file's header.
package binarycheck

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"io"
)

// Format is the kind of a native file.
type Format string

// The native formats the check recognises.
const (
	ELF   Format = "ELF"
	MachO Format = "Mach-O"
	PE    Format = "PE"
)

// Binary is what a native file's header says it was built for.
type Binary struct {
	Format  Format
	Machine string // "x86_64", "aarch64", "i386", "arm", …; several joined with "+" for a fat Mach-O
	Bits    int    // 32 or 64 (0 for a fat Mach-O)
	OSABI   string // ELF only: "linux", "freebsd", … ("" for the generic System V ABI)
}

// String is e.g. "ELF 64-bit aarch64", "Mach-O 64-bit arm64 (macOS)", "PE 64-bit x86_64 (Windows)".
func (b Binary) String() string {
	s := string(b.Format)
	if b.Bits != 0 {
		s += fmt.Sprintf(" %d-bit", b.Bits)
	}
	s += " " + b.Machine
	switch b.Format {
	case MachO:
		s += " (macOS)"
	case PE:
		s += " (Windows)"
	case ELF:
		if b.OSABI != "" && b.OSABI != "linux" {
			s += " (" + b.OSABI + ")"
		}
	}
	return s
}

// headerSize is enough for an ELF64 header, a Mach-O header and a fat header with a few entries.
const headerSize = 64

// Identify reads the header of r and says which native format it is; ok is false for anything
// else (text, zip, data). It reads at most a few hundred bytes.
func Identify(r io.ReaderAt) (b Binary, ok bool, err error) {
	var h [headerSize]byte
	n, err := r.ReadAt(h[:], 0)
	if err != nil && err != io.EOF {
		return Binary{}, false, err
	}
	hd := h[:n]
	switch {
	case n >= 20 && string(hd[:4]) == elf.ELFMAG:
		return identifyELF(hd)
	case n >= 8 && isMachO(hd):
		return identifyMachO(hd)
	case n >= 8 && isFat(hd):
		return identifyFat(r, hd)
	case n >= 0x40 && hd[0] == 'M' && hd[1] == 'Z':
		return identifyPE(r, hd)
	}
	return Binary{}, false, nil
}

func identifyELF(h []byte) (Binary, bool, error) {
	var bo binary.ByteOrder
	switch elf.Data(h[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return Binary{}, false, nil
	}
	b := Binary{Format: ELF}
	switch elf.Class(h[elf.EI_CLASS]) {
	case elf.ELFCLASS32:
		b.Bits = 32
	case elf.ELFCLASS64:
		b.Bits = 64
	default:
		return Binary{}, false, nil
	}
	b.Machine = elfMachine(elf.Machine(bo.Uint16(h[18:20])))
	switch abi := elf.OSABI(h[elf.EI_OSABI]); abi {
	case elf.ELFOSABI_NONE:
	case elf.ELFOSABI_LINUX:
		b.OSABI = "linux"
	default:
		b.OSABI = osabiName(abi)
	}
	return b, true, nil
}

func elfMachine(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_386:
		return "i386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_PPC64:
		return "ppc64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_RISCV:
		return "riscv"
	}
	return m.String()
}

func osabiName(a elf.OSABI) string {
	switch a {
	case elf.ELFOSABI_FREEBSD:
		return "freebsd"
	case elf.ELFOSABI_NETBSD:
		return "netbsd"
	case elf.ELFOSABI_OPENBSD:
		return "openbsd"
	case elf.ELFOSABI_SOLARIS:
		return "solaris"
	}
	return a.String()
}

func isMachO(h []byte) bool {
	be, le := binary.BigEndian.Uint32(h), binary.LittleEndian.Uint32(h)
	return be == macho.Magic32 || be == macho.Magic64 || le == macho.Magic32 || le == macho.Magic64
}

func identifyMachO(h []byte) (Binary, bool, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if m := binary.BigEndian.Uint32(h); m == macho.Magic32 || m == macho.Magic64 {
		bo = binary.BigEndian
	}
	b := Binary{Format: MachO, Bits: 32}
	if bo.Uint32(h) == macho.Magic64 {
		b.Bits = 64
	}
	b.Machine = machoCPU(macho.Cpu(bo.Uint32(h[4:8])))
	return b, true, nil
}

// isFat tells a fat (universal) Mach-O from a Java class file, which shares its magic: a fat file
// has a handful of architectures, a class file has a major version of 45 or more there.
func isFat(h []byte) bool {
	if binary.BigEndian.Uint32(h) != macho.MagicFat {
		return false
	}
	n := binary.BigEndian.Uint32(h[4:8])
	return n > 0 && n < 20
}

func identifyFat(r io.ReaderAt, h []byte) (Binary, bool, error) {
	n := int(binary.BigEndian.Uint32(h[4:8]))
	buf := make([]byte, 20*n)
	if _, err := r.ReadAt(buf, 8); err != nil && err != io.EOF {
		return Binary{}, false, err
	}
	b := Binary{Format: MachO}
	for i := 0; i < n; i++ {
		cpu := machoCPU(macho.Cpu(binary.BigEndian.Uint32(buf[20*i:])))
		if b.Machine != "" {
			b.Machine += "+"
		}
		b.Machine += cpu
	}
	return b, true, nil
}

func machoCPU(c macho.Cpu) string {
	switch c {
	case macho.CpuAmd64:
		return "x86_64"
	case macho.CpuArm64:
		return "arm64"
	case macho.Cpu386:
		return "i386"
	case macho.CpuArm:
		return "arm"
	}
	return c.String()
}

func identifyPE(r io.ReaderAt, h []byte) (Binary, bool, error) {
	off := int64(binary.LittleEndian.Uint32(h[0x3c:0x40]))
	if off < 0x40 || off > 1<<16 {
		return Binary{}, false, nil
	}
	var sig [24]byte
	if n, err := r.ReadAt(sig[:], off); n < len(sig) {
		if err != nil && err != io.EOF {
			return Binary{}, false, err
		}
		return Binary{}, false, nil
	}
	if string(sig[:4]) != "PE\x00\x00" {
		return Binary{}, false, nil
	}
	b := Binary{Format: PE, Bits: 32}
	switch m := binary.LittleEndian.Uint16(sig[4:6]); m {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		b.Machine, b.Bits = "x86_64", 64
	case pe.IMAGE_FILE_MACHINE_ARM64:
		b.Machine, b.Bits = "arm64", 64
	case pe.IMAGE_FILE_MACHINE_I386:
		b.Machine = "i386"
	case pe.IMAGE_FILE_MACHINE_ARMNT:
		b.Machine = "arm"
	default:
		b.Machine = fmt.Sprintf("machine 0x%04x", m)
	}
	return b, true, nil
}
