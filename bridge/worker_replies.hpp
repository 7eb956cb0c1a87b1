#pragma once

/// What a worker's gRPC replies mean to the host: the conversion of the
/// decoded protobuf messages into the channel's result types. Pure, no gRPC
/// runtime, so that the fuzzer can feed it arbitrary bytes.

#include "bridge/channel.hpp"

namespace snakepit::bridge {

class ExecuteToolResponse;
class ToolChunk;
class WorkerInfo;

/// The outcome of a tool call from the worker's ExecuteTool reply. A failed
/// call always carries an error code: the worker's category when it is one
/// a worker may report (python_error, unknown_command, invalid_arguments),
/// else python_error. Takes the reply: moved in, the result's bytes are
/// moved out of it, not copied (a result may be many megabytes).
tool_result from_execute_response(ExecuteToolResponse resp);

/// How a stream ended, from the final ToolChunk of its
/// ExecuteStreamingTool (`is_final` set): success without a value, or the
/// failure its `error` carries, mapped as `from_execute_response` maps one.
tool_result from_final_chunk(const ToolChunk& final_chunk);

/// What the worker is doing, from its DescribeWorker reply. Call ids that
/// are not decimal numbers match no call of the host and are left out.
worker_activity from_worker_info(const WorkerInfo& info);

} // namespace snakepit::bridge
