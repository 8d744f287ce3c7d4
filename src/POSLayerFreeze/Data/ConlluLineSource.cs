using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace POSLayerFreeze.Data;

/// <summary>
/// Yields the lines of a plain or gzip-compressed text file as strict UTF-8, so a decoding error can name its
/// exact line, and verifies a gzip stream against its trailer (size and CRC) once the end is reached.
/// </summary>
internal sealed class ConlluLineSource : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly string _name;
    private readonly string _path;
    private readonly Stream _file;
    private readonly Stream _content;
    private readonly System.IO.Hashing.Crc32? _crc;
    private readonly uint _expectedCrc;
    private readonly uint _expectedSize;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;

    public ConlluLineSource(string path, string name)
    {
        _name = name;
        _path = path;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            bool gzip = StartsWithGzipMagic(_file);
            if (!gzip && path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && _file.Length > 0)
                throw new ConlluFormatException(name, 0, "file name ends in .gz but the content is not gzip-compressed");
            if (gzip)
            {
                if (_file.Length < 18)
                    throw new ConlluFormatException(name, 0, $"gzip stream is truncated ({_file.Length} bytes is shorter than a gzip header and trailer)");
                Span<byte> trailer = stackalloc byte[8];
                _file.Seek(-8, SeekOrigin.End);
                _file.ReadExactly(trailer);
                _file.Seek(0, SeekOrigin.Begin);
                _expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
                _expectedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
                _crc = new System.IO.Hashing.Crc32();
                _content = new GZipStream(_file, CompressionMode.Decompress, leaveOpen: true);
            }
            else
            {
                _content = _file;
            }
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>1-based number of the line last returned.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Whether the last line returned was ended by a line feed.</summary>
    public bool LastLineTerminated { get; private set; }

    public long BytesRead { get; private set; }

    public string? ReadLine()
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Decode(_start, newline - _start, terminated: true);
                _start = newline + 1;
                return line;
            }
            if (_eof)
            {
                if (_start == _end) return null;
                var last = Decode(_start, _end - _start, terminated: false);
                _start = _end;
                return last;
            }
            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int read;
        try
        {
            read = _content.Read(_buffer, _end, _buffer.Length - _end);
        }
        catch (InvalidDataException e)
        {
            throw new ConlluFormatException(_name, LineNumber + 1, $"gzip stream is corrupt ({e.Message})", e);
        }
        if (read == 0)
        {
            _eof = true;
            CheckGzipTrailer();
            return;
        }
        _crc?.Append(_buffer.AsSpan(_end, read));
        if (BytesRead == 0 && read >= 3 && _buffer[_end] == 0xEF && _buffer[_end + 1] == 0xBB && _buffer[_end + 2] == 0xBF)
        {
            // A UTF-8 byte order mark is tolerated and dropped.
            _start += 3;
        }
        BytesRead += read;
        _end += read;
    }

    private void CheckGzipTrailer()
    {
        if (_crc is null) return;
        // The gzip trailer holds CRC-32 (IEEE) and the size mod 2^32 of the decompressed bytes (BytesRead).
        if (((uint)BytesRead != _expectedSize || _crc.GetCurrentHashAsUInt32() != _expectedCrc) && !LastMemberMatchesTrailer())
        {
            throw new ConlluFormatException(_name, LineNumber + 1,
                $"gzip stream is truncated or corrupt: decompressed {BytesRead} bytes do not match the gzip trailer");
        }
    }

    /// <summary>
    /// A multi-member gzip file (RFC 1952 §2.2; <c>cat a.gz b.gz</c>) decompresses to the concatenation of its
    /// members (GZipStream reads them all, and zlib checks every complete member's own CRC and size), but the file's
    /// last 8 bytes are only the last member's trailer. That member is the last ISIZE decompressed bytes (for files
    /// under 4 GiB), so a second pass checks their CRC-32: a truncated last member, whose "trailer" is then deflate
    /// data, still fails. Only run when the whole-stream check failed, i.e. for multi-member or damaged files.
    /// </summary>
    private bool LastMemberMatchesTrailer()
    {
        if (_expectedSize > BytesRead) return false;
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        var skip = BytesRead - _expectedSize;
        var crc = new System.IO.Hashing.Crc32();
        var buffer = new byte[1 << 16];
        long position = 0, tail = 0;
        try
        {
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                var from = (int)Math.Clamp(skip - position, 0, read);
                crc.Append(buffer.AsSpan(from, read - from));
                tail += read - from;
                position += read;
            }
        }
        catch (InvalidDataException)
        {
            return false;
        }
        return position == BytesRead && tail == _expectedSize && crc.GetCurrentHashAsUInt32() == _expectedCrc;
    }

    private string Decode(int offset, int count, bool terminated)
    {
        LineNumber++;
        LastLineTerminated = terminated;
        if (count > 0 && _buffer[offset + count - 1] == '\r') count--;
        try
        {
            return StrictUtf8.GetString(_buffer, offset, count);
        }
        catch (DecoderFallbackException e)
        {
            throw new ConlluFormatException(_name, LineNumber, "invalid UTF-8", e);
        }
    }

    private static bool StartsWithGzipMagic(Stream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Seek(0, SeekOrigin.Begin);
        return n == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_content, _file)) _content.Dispose();
        _file.Dispose();
    }
}
