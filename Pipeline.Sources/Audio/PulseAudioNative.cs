using System.Runtime.InteropServices;

namespace Pipeline.Sources.Audio;

// P/Invoke to PulseAudio's simple API (capture) and its main-loop API (device listing). PipeWire serves the
// same libraries through pipewire-pulse. The exact sonames are used because the unversioned .so ships only
// with libpulse-dev.
internal static class PulseAudioNative
{
    private const string Simple = "libpulse-simple.so.0";
    private const string Pulse = "libpulse.so.0";

    public const int SampleFloat32Le = 5;    // PA_SAMPLE_FLOAT32LE
    public const int StreamRecord = 2;       // PA_STREAM_RECORD
    public const int ContextNoAutospawn = 1; // PA_CONTEXT_NOAUTOSPAWN
    public const int ContextReady = 4, ContextFailed = 5, ContextTerminated = 6;
    public const int OperationRunning = 0;

    [StructLayout(LayoutKind.Sequential)]
    public struct SampleSpec
    {
        public int Format;
        public uint Rate;
        public byte Channels;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct BufferAttr
    {
        public uint MaxLength, TLength, PreBuf, MinReq, FragSize;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void SourceInfoCallback(IntPtr context, IntPtr info, int eol, IntPtr userdata);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void ServerInfoCallback(IntPtr context, IntPtr info, IntPtr userdata);

#pragma warning disable SYSLIB1054 // DllImport keeps the project free of unsafe code; these calls are not on a per-sample path.
    [DllImport(Simple, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_simple_new([MarshalAs(UnmanagedType.LPUTF8Str)] string? server, [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        int direction, [MarshalAs(UnmanagedType.LPUTF8Str)] string? device, [MarshalAs(UnmanagedType.LPUTF8Str)] string streamName,
        ref SampleSpec spec, IntPtr channelMap, ref BufferAttr attr, out int error);

    [DllImport(Simple, CallingConvention = CallingConvention.Cdecl)]
    public static extern int pa_simple_read(IntPtr s, [Out] float[] data, nuint bytes, out int error);

    [DllImport(Simple, CallingConvention = CallingConvention.Cdecl)]
    public static extern void pa_simple_free(IntPtr s);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_strerror(int error);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_mainloop_new();

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_mainloop_get_api(IntPtr mainloop);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern int pa_mainloop_iterate(IntPtr mainloop, int block, IntPtr retval);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern void pa_mainloop_free(IntPtr mainloop);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_context_new(IntPtr api, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern int pa_context_connect(IntPtr context, [MarshalAs(UnmanagedType.LPUTF8Str)] string? server, int flags, IntPtr api);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern int pa_context_get_state(IntPtr context);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern int pa_context_errno(IntPtr context);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern void pa_context_disconnect(IntPtr context);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern void pa_context_unref(IntPtr context);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_context_get_source_info_list(IntPtr context, SourceInfoCallback callback, IntPtr userdata);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr pa_context_get_server_info(IntPtr context, ServerInfoCallback callback, IntPtr userdata);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern int pa_operation_get_state(IntPtr operation);

    [DllImport(Pulse, CallingConvention = CallingConvention.Cdecl)]
    public static extern void pa_operation_unref(IntPtr operation);
#pragma warning restore SYSLIB1054

    public static string ErrorText(int error)
    {
        try { return Marshal.PtrToStringUTF8(pa_strerror(error)) ?? $"error {error}"; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return $"error {error}"; }
    }
}
