// Command hello-go-client calls hello.v1.HelloService with grpc-go, the way
// Go services call gRPC, and prints what it saw: the status, the response
// headers and trailers apart, each response message, and when each arrived.
//
// It needs no generated Go code: requests are encoded by hand with
// google.golang.org/protobuf's protowire, and the call goes through grpc-go's
// generic ClientConn.Invoke (unary) or ClientConn.NewStream (streams) with a
// codec that passes the message bytes through. It builds in GOPATH mode
// against Debian's golang-google-grpc-dev:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o /tmp/hello-go-client ./server/interop/go
//	/tmp/hello-go-client -addr localhost:8080 -method SayHelloChat -name a -name b -H 'x-user: junxi'
//
// Flags:
//
//	-addr host:port      the server (plaintext HTTP/2)
//	-method NAME         SayHello, SayHelloStream, SayHelloAll or SayHelloChat
//	-name NAME           one request message per -name (SayHello and SayHelloStream send the first)
//	-fail-code N         ask the server to fail with this code (streams: on the last request)
//	-delay-ms N          SayHello, SayHelloStream: SayHelloRequest.delay_ms, SayHelloStreamRequest.delay_ms
//	-count N             SayHelloStream: how many greetings
//	-interval-ms N       SayHelloStream: how far apart
//	-H 'key: value'      request metadata; a -bin key takes its value as base64
//	-timeout D           the call's deadline (0: none)
//	-end close|hold|cancel
//	                     after the last request (and, for SayHelloChat, its
//	                     answer): close the request side and read to the end,
//	                     keep it open until the call ends (its deadline), or
//	                     cancel the call
//
// Streams run one script: send the first request, wait for the response
// headers (Header()), for SayHelloChat read the answer, send each further
// request (SayHelloChat: reading each answer), then -end. The output is one
// JSON object:
//
//	code, code_name, details   the status (details is grpc-message as grpc-go decoded it)
//	headers, trailers          {key: [values]}, -bin values as padded standard base64
//	responses_base64           each response message's bytes
//	messages                   each response's field 1 (the greeting), for reading
//	events                     [{event: headers|message|end, at_ms}], ms since the call started
//	headers_before_close       the headers arrived while the request side was still open
//
// Exit status: 0 when the call succeeded, 1 when it ended with a gRPC error,
// 2 on bad usage or when the client could not run.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

const service = "/hello.v1.HelloService/"

// rawCodec hands message bytes to grpc-go as they are: the caller encodes
// and decodes them. Its name is "proto", so the call is plain application/grpc.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

type options struct {
	addr, method, end string
	names, headers    repeated
	failCode, delayMs uint64
	count, intervalMs uint64
	timeout           time.Duration
}

type event struct {
	Event string  `json:"event"`
	AtMs  float64 `json:"at_ms"`
}

type result struct {
	Code               int                 `json:"code"`
	CodeName           string              `json:"code_name"`
	Details            string              `json:"details"`
	Headers            map[string][]string `json:"headers"`
	Trailers           map[string][]string `json:"trailers"`
	ResponsesBase64    []string            `json:"responses_base64"`
	Messages           []string            `json:"messages"`
	Events             []event             `json:"events"`
	HeadersBeforeClose bool                `json:"headers_before_close"`
}

// recorder keeps what the client saw, with times since the call started.
type recorder struct {
	started time.Time
	result
}

func (r *recorder) at(name string) {
	ms := float64(time.Since(r.started).Microseconds()) / 1000
	r.Events = append(r.Events, event{Event: name, AtMs: ms})
}

func (r *recorder) response(b []byte) {
	r.at("message")
	r.ResponsesBase64 = append(r.ResponsesBase64, base64.StdEncoding.EncodeToString(b))
	r.Messages = append(r.Messages, greeting(b))
}

func (r *recorder) finish(err error, header, trailer metadata.MD) {
	r.at("end")
	st := status.Convert(err)
	r.Code = int(st.Code())
	r.CodeName = codeName(st.Code())
	r.Details = st.Message()
	r.Headers = mdJSON(header)
	r.Trailers = mdJSON(trailer)
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "localhost:8080", "host:port of the server")
	flag.StringVar(&o.method, "method", "SayHello", "SayHello, SayHelloStream, SayHelloAll or SayHelloChat")
	flag.Var(&o.names, "name", "a name to greet (repeatable)")
	flag.Var(&o.headers, "H", "request metadata 'key: value' (repeatable)")
	flag.Uint64Var(&o.failCode, "fail-code", 0, "ask the server to fail with this gRPC code")
	flag.Uint64Var(&o.delayMs, "delay-ms", 0, "SayHello, SayHelloStream: delay_ms")
	flag.Uint64Var(&o.count, "count", 0, "SayHelloStream: count")
	flag.Uint64Var(&o.intervalMs, "interval-ms", 0, "SayHelloStream: interval_ms")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "the call's deadline (0: none)")
	flag.StringVar(&o.end, "end", "close", "after the requests: close, hold or cancel")
	flag.Parse()
	if len(o.names) == 0 {
		o.names = repeated{"Junxi"}
	}
	if o.end != "close" && o.end != "hold" && o.end != "cancel" {
		usage(fmt.Errorf("-end must be close, hold or cancel, got %q", o.end))
	}
	md, err := parseHeaders(o.headers)
	if err != nil {
		usage(err)
	}
	conn, err := grpc.Dial(o.addr, grpc.WithInsecure())
	if err != nil {
		usage(err)
	}
	defer conn.Close()

	ctx := metadata.NewOutgoingContext(context.Background(), md)
	var cancelTimeout context.CancelFunc = func() {}
	if o.timeout > 0 {
		ctx, cancelTimeout = context.WithTimeout(ctx, o.timeout)
	}
	defer cancelTimeout()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r := &recorder{started: time.Now()}
	switch o.method {
	case "SayHello":
		unary(ctx, conn, o, r)
	case "SayHelloStream", "SayHelloAll", "SayHelloChat":
		stream(ctx, cancel, conn, o, r)
	default:
		usage(fmt.Errorf("unknown -method %q", o.method))
	}
	out, _ := json.MarshalIndent(r.result, "", "  ")
	fmt.Println(string(out))
	if r.Code != 0 {
		os.Exit(1)
	}
}

func unary(ctx context.Context, conn *grpc.ClientConn, o options, r *recorder) {
	req := protowire.AppendTag(nil, 1, protowire.BytesType)
	req = protowire.AppendString(req, o.names[0])
	req = appendVarint(req, 3, o.failCode)
	req = appendVarint(req, 4, o.delayMs)
	var res []byte
	var header, trailer metadata.MD
	err := conn.Invoke(ctx, service+o.method, &req, &res,
		grpc.ForceCodec(rawCodec{}), grpc.Header(&header), grpc.Trailer(&trailer))
	if err == nil {
		r.response(res)
	}
	r.finish(err, header, trailer)
}

func stream(ctx context.Context, cancel context.CancelFunc, conn *grpc.ClientConn, o options, r *recorder) {
	clientStreams := o.method != "SayHelloStream"
	desc := &grpc.StreamDesc{
		StreamName:    o.method,
		ServerStreams: o.method != "SayHelloAll",
		ClientStreams: clientStreams,
	}
	requests := streamRequests(o)
	s, err := conn.NewStream(ctx, desc, service+o.method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		r.finish(err, nil, nil)
		return
	}
	closed := false
	closeSend := func() {
		if !closed {
			closed = true
			_ = s.CloseSend()
		}
	}
	recv := func() error {
		var b []byte
		if err := s.RecvMsg(&b); err != nil {
			return err
		}
		r.response(b)
		return nil
	}
	var end error
	for i, req := range requests {
		req := req
		if err := s.SendMsg(&req); err != nil && !errors.Is(err, io.EOF) {
			end = err
			break
		}
		if !clientStreams {
			closeSend()
		}
		if i == 0 {
			if header, err := s.Header(); err == nil && header != nil {
				r.at("headers")
				r.HeadersBeforeClose = clientStreams && !closed
			}
		}
		if o.method == "SayHelloChat" {
			if end = recv(); end != nil {
				break
			}
		}
	}
	if end == nil {
		switch o.end {
		case "close":
			closeSend()
		case "cancel":
			if o.method == "SayHelloStream" {
				end = recv() // cancel once the first greeting is in
			}
			cancel()
		}
	}
	for end == nil {
		end = recv()
	}
	if errors.Is(end, io.EOF) {
		end = nil
	}
	header, _ := s.Header()
	r.finish(end, header, s.Trailer())
}

// streamRequests encodes the request messages, as hello.proto numbers their fields.
func streamRequests(o options) [][]byte {
	if o.method == "SayHelloStream" {
		b := protowire.AppendTag(nil, 1, protowire.BytesType)
		b = protowire.AppendString(b, o.names[0])
		b = appendVarint(b, 2, o.count)
		b = appendVarint(b, 3, o.intervalMs)
		b = appendVarint(b, 4, o.failCode)
		b = appendVarint(b, 5, o.delayMs)
		return [][]byte{b}
	}
	out := make([][]byte, 0, len(o.names))
	for i, name := range o.names {
		b := protowire.AppendTag(nil, 1, protowire.BytesType)
		b = protowire.AppendString(b, name)
		if i == len(o.names)-1 {
			b = appendVarint(b, 2, o.failCode)
		}
		out = append(out, b)
	}
	return out
}

// appendVarint appends a varint field, leaving out proto3's default 0.
func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// greeting reads field 1 (the greeting, a string) of a response message.
func greeting(b []byte) string {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			v, n := protowire.ConsumeString(b)
			if n < 0 {
				return ""
			}
			return v
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ""
		}
		b = b[n:]
	}
	return ""
}

func parseHeaders(lines []string) (metadata.MD, error) {
	md := metadata.MD{}
	for _, line := range lines {
		i := strings.Index(line, ":")
		if i <= 0 {
			return nil, fmt.Errorf("expected -H 'key: value', got %q", line)
		}
		key := strings.ToLower(strings.TrimSpace(line[:i]))
		value := strings.TrimSpace(line[i+1:])
		if strings.HasSuffix(key, "-bin") {
			b, err := base64.StdEncoding.DecodeString(value + strings.Repeat("=", (4-len(value)%4)%4))
			if err != nil {
				return nil, fmt.Errorf("%s: not base64: %v", key, err)
			}
			value = string(b)
		}
		md.Append(key, value)
	}
	return md, nil
}

func mdJSON(md metadata.MD) map[string][]string {
	out := map[string][]string{}
	for key, values := range md {
		for _, v := range values {
			if strings.HasSuffix(key, "-bin") {
				v = base64.StdEncoding.EncodeToString([]byte(v))
			}
			out[key] = append(out[key], v)
		}
	}
	return out
}

// codeName is the code as the gRPC spec writes it (NOT_FOUND), as the other clients print it.
func codeName(c codes.Code) string {
	names := map[codes.Code]string{
		codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
		codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
		codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
		codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
		codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
		codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if name, ok := names[c]; ok {
		return name
	}
	return c.String()
}

func usage(err error) {
	fmt.Fprintln(os.Stderr, "hello-go-client:", err)
	os.Exit(2)
}
