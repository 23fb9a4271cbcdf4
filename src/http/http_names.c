/* Stable names of buffers and anomalies, for rule messages and events. */
#include "http/http.h"

static const char *const http_buf_names[HTTP_BUF_COUNT] = {
	[HTTP_BUF_URI] = "uri",
	[HTTP_BUF_URI_RAW] = "uri_raw",
	[HTTP_BUF_METHOD] = "method",
	[HTTP_BUF_REQUEST_LINE] = "request_line",
	[HTTP_BUF_REQUEST_PROTOCOL] = "request_protocol",
	[HTTP_BUF_REQUEST_HEADERS] = "request_headers",
	[HTTP_BUF_REQUEST_HEADERS_RAW] = "request_headers_raw",
	[HTTP_BUF_REQUEST_HEADER_NAMES] = "request_header_names",
	[HTTP_BUF_COOKIE] = "cookie",
	[HTTP_BUF_USER_AGENT] = "user_agent",
	[HTTP_BUF_HOST] = "host",
	[HTTP_BUF_HOST_RAW] = "host_raw",
	[HTTP_BUF_REFERER] = "referer",
	[HTTP_BUF_REQUEST_CONTENT_TYPE] = "request_content_type",
	[HTTP_BUF_ACCEPT] = "accept",
	[HTTP_BUF_ACCEPT_LANGUAGE] = "accept_language",
	[HTTP_BUF_ACCEPT_ENCODING] = "accept_encoding",
	[HTTP_BUF_CONNECTION] = "connection",
	[HTTP_BUF_CONTENT_LENGTH] = "content_length",
	[HTTP_BUF_REQUEST_BODY] = "request_body",
	[HTTP_BUF_STAT_CODE] = "stat_code",
	[HTTP_BUF_STAT_MSG] = "stat_msg",
	[HTTP_BUF_RESPONSE_LINE] = "response_line",
	[HTTP_BUF_RESPONSE_PROTOCOL] = "response_protocol",
	[HTTP_BUF_RESPONSE_HEADERS] = "response_headers",
	[HTTP_BUF_RESPONSE_HEADERS_RAW] = "response_headers_raw",
	[HTTP_BUF_RESPONSE_HEADER_NAMES] = "response_header_names",
	[HTTP_BUF_SET_COOKIE] = "set_cookie",
	[HTTP_BUF_RESPONSE_CONTENT_TYPE] = "response_content_type",
	[HTTP_BUF_LOCATION] = "location",
	[HTTP_BUF_SERVER] = "server",
	[HTTP_BUF_RESPONSE_BODY] = "response_body",
};

const char *
http_buf_name(enum http_buf b)
{
	if ((unsigned)b >= HTTP_BUF_COUNT || !http_buf_names[b])
		return "unknown";
	return http_buf_names[b];
}

static const char *const http_anomaly_names[] = {
	"request_body_cut", "response_body_cut", "headers_too_large", "bad_chunk",
	"bad_compression", "uri_double_encoded", "uri_bad_encoding", "path_traversal",
	"invalid_request", "invalid_response", "duplicate_host", "smuggling",
	"too_many_txns", "gap",
};

const char *
http_anomaly_name(uint32_t bit)
{
	for (unsigned i = 0; i < sizeof(http_anomaly_names) / sizeof(http_anomaly_names[0]); i++)
		if (bit == 1u << i)
			return http_anomaly_names[i];
	return "unknown";
}
