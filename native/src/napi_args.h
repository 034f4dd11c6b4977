// Argument checking shared by the addon's functions: every function takes the ArrayBuffer behind
// the tfjs wasm heap first, then byte offsets into it, each checked to lie inside the buffer.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace isbench {

class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info), env_(info.Env()) {
    if (info.Length() < 1 || !info[0].IsArrayBuffer()) fail("argument 0 must be an ArrayBuffer");
    heap_ = info[0].As<Napi::ArrayBuffer>();
    base_ = static_cast<uint8_t*>(heap_.Data());
    bytes_ = static_cast<int64_t>(heap_.ByteLength());
  }

  int64_t integer(size_t i) const {
    if (i >= info_.Length() || !info_[i].IsNumber()) fail("argument " + std::to_string(i) + " must be a number");
    return info_[i].As<Napi::Number>().Int64Value();
  }

  double number(size_t i) const {
    if (i >= info_.Length() || !info_[i].IsNumber()) fail("argument " + std::to_string(i) + " must be a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  bool flag(size_t i) const {
    if (i >= info_.Length()) fail("argument " + std::to_string(i) + " is missing");
    return info_[i].ToBoolean().Value();
  }

  // A pointer to `count` elements of T at the byte offset held in argument i.
  template <typename T>
  T* at(size_t i, int64_t count) const {
    const int64_t offset = integer(i);
    if (count < 0 || offset < 0 || offset % static_cast<int64_t>(alignof(T)) != 0 ||
        offset + count * static_cast<int64_t>(sizeof(T)) > bytes_) {
      fail("operand " + std::to_string(i) + " (offset " + std::to_string(offset) + ", " +
           std::to_string(count) + " elements) lies outside the heap of " + std::to_string(bytes_) +
           " bytes");
    }
    return reinterpret_cast<T*>(base_ + offset);
  }

  // Like at(), but a negative offset means "absent".
  template <typename T>
  T* optional_at(size_t i, int64_t count) const {
    return integer(i) < 0 ? nullptr : at<T>(i, count);
  }

  // An Int32Array argument, or null when the argument is null/undefined.
  const int32_t* int32s(size_t i, int64_t min_length) const {
    if (i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined()) return nullptr;
    if (!info_[i].IsTypedArray() || info_[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      fail("argument " + std::to_string(i) + " must be an Int32Array");
    }
    auto array = info_[i].As<Napi::Int32Array>();
    if (static_cast<int64_t>(array.ElementLength()) < min_length) {
      fail("argument " + std::to_string(i) + " must hold at least " + std::to_string(min_length) + " values");
    }
    return array.Data();
  }

  // A pointer to `count` elements of T at a byte offset (not read from an argument).
  template <typename T>
  T* at_offset(int64_t offset, int64_t count, const std::string& what) const {
    if (count < 0 || offset < 0 || offset % static_cast<int64_t>(alignof(T)) != 0 ||
        offset + count * static_cast<int64_t>(sizeof(T)) > bytes_) {
      fail(what + " (offset " + std::to_string(offset) + ", " + std::to_string(count) +
           " elements) lies outside the heap of " + std::to_string(bytes_) + " bytes");
    }
    return reinterpret_cast<T*>(base_ + offset);
  }

  // A typed array argument of element type A (napi type `type`), or null when null/undefined.
  template <typename A>
  A typed(size_t i, napi_typedarray_type type, const char* name, bool optional = false) const {
    if (i < info_.Length() && (info_[i].IsNull() || info_[i].IsUndefined()) && optional) return A();
    if (i >= info_.Length() || !info_[i].IsTypedArray() || info_[i].As<Napi::TypedArray>().TypedArrayType() != type) {
      fail("argument " + std::to_string(i) + " must be a " + name);
    }
    return info_[i].As<A>();
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw Napi::RangeError::New(env_, "is-bench native: " + message);
  }

 private:
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  Napi::ArrayBuffer heap_;
  uint8_t* base_ = nullptr;
  int64_t bytes_ = 0;
};

}  // namespace isbench
