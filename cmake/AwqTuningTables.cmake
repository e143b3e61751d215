# The tuning tables of tuning/*.json as the initializer list that
# codegen/BuiltinTuning.cpp includes (raw string literals), checked first:
# each names its "device" and "chip", and no two name the same pair (with
# two, awq-compile --device and the JIT would silently take whichever came
# first). A violation stops the configure step, naming the files.
#
#   awq_tuning_tables_inc(OUT ROOT TABLE...)   OUT: the .inc text; ROOT:
#                                              what table names are
#                                              relative to
function(awq_tuning_tables_inc out root)
  set(inc "")
  foreach(table IN LISTS ARGN)
    file(READ "${table}" json)
    file(RELATIVE_PATH name "${root}" "${table}")
    foreach(field device chip)
      string(JSON ${field} ERROR_VARIABLE json_error GET "${json}" ${field})
      if(json_error)
        message(FATAL_ERROR "${name}: a tuning table needs \"${field}\" (${json_error})")
      endif()
    endforeach()
    if(DEFINED "owner_${device}_${chip}")
      message(FATAL_ERROR "${name} and ${owner_${device}_${chip}} are both "
                          "tuning tables for ${device}, ${chip}: keep one in tuning/")
    endif()
    set("owner_${device}_${chip}" "${name}")
    string(APPEND inc "{\"${name}\", R\"awqtuning(${json})awqtuning\"},\n")
  endforeach()
  set(${out} "${inc}" PARENT_SCOPE)
endfunction()

# Script mode (cmake -DAWQ_TUNING_ROOT=DIR -P cmake/AwqTuningTables.cmake):
# checks DIR/tuning/*.json the same way (lit test/scripts/tuning-tables.test).
if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  file(GLOB tables "${AWQ_TUNING_ROOT}/tuning/*.json")
  awq_tuning_tables_inc(inc "${AWQ_TUNING_ROOT}" ${tables})
  list(LENGTH tables count)
  message(STATUS "${count} tuning tables, one per GPU and chip")
endif()
